// A local file to one S3 object: a single PUT when it is small, else a multipart upload whose parts
// are read from the file one at a time (memory holds one part, never the file). Done with
// client-s3's own multipart calls rather than @aws-sdk/lib-storage: four calls, one more package
// avoided. A failed multipart upload is aborted, so no half-uploaded parts are left to bill storage.
import { open, readFile, stat } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { contentTypeOf } from './types';

/** S3's smallest part (but the last) is 5 MiB; 16 MiB keeps a 100 GB file under its 10,000 parts. */
export const DEFAULT_PART_BYTES = 16 * 1024 * 1024;

export interface S3Upload {
  bucket: string;
  key: string;
  file: string;
  progress?: () => void;
  /** Files above this size go in parts of this size (tests lower it to S3's 5 MiB minimum). */
  partBytes?: number;
}

export async function uploadFileToS3(client: S3Client, upload: S3Upload): Promise<void> {
  const partBytes = upload.partBytes ?? DEFAULT_PART_BYTES;
  const { size } = await stat(upload.file);
  if (size <= partBytes) {
    // A buffer, not a stream: at most one part's size in memory, and the SDK can tell a failed
    // request apart from a half-read stream (it warns on the console about the latter).
    await client.send(
      new PutObjectCommand({
        Bucket: upload.bucket,
        Key: upload.key,
        Body: await readFile(upload.file),
        ContentType: contentTypeOf(upload.key),
      }),
    );
    upload.progress?.();
    return;
  }
  await multipart(client, upload, size, partBytes);
}

async function multipart(client: S3Client, upload: S3Upload, size: number, partBytes: number): Promise<void> {
  const { bucket: Bucket, key: Key } = upload;
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket, Key, ContentType: contentTypeOf(Key) }),
  );
  const handle = await open(upload.file, 'r');
  try {
    const parts: CompletedPart[] = [];
    for (let offset = 0, PartNumber = 1; offset < size; offset += partBytes, PartNumber++) {
      const body = Buffer.alloc(Math.min(partBytes, size - offset));
      await handle.read(body, 0, body.length, offset);
      const { ETag } = await client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: body }));
      parts.push({ ETag, PartNumber });
      upload.progress?.();
    }
    await client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
    throw error;
  } finally {
    await handle.close();
  }
}
