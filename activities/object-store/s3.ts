// s3:// through the official AWS SDK: credentials and region from its own default chain (env,
// profiles, roles); an S3-compatible server or emulator through LLMBATCH_S3_ENDPOINT. One attempt
// per call: Temporal's retry policy owns retries (a failed plan or finalize is tried again whole).
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { ObjectStorageSettings } from '../../common/config';
import { byKey, ServiceStore } from './base';
import { uploadFileToS3 } from './s3-upload';
import {
  contentTypeOf,
  StorageError,
  storageErrorMessage,
  type ObjectInfo,
  type ObjectStore,
  type StorageErrorKind,
} from './types';

/** Kept below the activities' heartbeat timeout, so a hung request fails before the activity is lost. */
const REQUEST_TIMEOUT_MS = 25_000;

/**
 * The region from the SDK's chain, else us-east-1: a bucket's region is found by following S3's
 * redirects (followRegionRedirects), so reading s3:// data should not need AWS_REGION set.
 */
async function regionOrDefault(): Promise<string> {
  const chain = new S3Client({});
  try {
    return await chain.config.region();
  } catch {
    return 'us-east-1';
  } finally {
    chain.destroy();
  }
}

export function s3Client(settings: ObjectStorageSettings): S3Client {
  const custom = settings.s3Endpoint !== undefined || settings.s3ForcePathStyle;
  return new S3Client({
    maxAttempts: 1,
    region: regionOrDefault,
    followRegionRedirects: true,
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: 10_000 },
    ...(settings.s3Endpoint ? { endpoint: settings.s3Endpoint } : {}),
    forcePathStyle: settings.s3ForcePathStyle,
    // S3-compatible servers do not all take the SDK's default flexible checksums (aws-chunked
    // bodies with a trailing CRC32); AWS's S3 gets them as usual.
    ...(custom ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  });
}

interface AwsError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function kindOf(error: AwsError): StorageErrorKind {
  const status = error.$metadata?.httpStatusCode;
  const name = error.name ?? '';
  if (name === 'NoSuchBucket') return 'no_bucket';
  if (status === 403 || /AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|Forbidden/.test(name)) return 'refused';
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return 'not_found';
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|TimeoutError/.test(`${error.code} ${name}`))
    return 'unreachable';
  if (/Region is missing|Could not load credentials/.test(error.message ?? '')) return 'refused';
  return 'other';
}

/** An SDK error as a StorageError about `bucket` (its message one line, whatever the SDK said). */
export function s3Error(error: unknown, bucket: string): StorageError {
  if (error instanceof StorageError) return error;
  const e = (error ?? {}) as AwsError;
  const kind = kindOf(e);
  const detail = (e.message && e.message !== 'UnknownError' ? e.message : e.name || 'unknown error').split('\n')[0];
  return new StorageError(kind, storageErrorMessage(kind, bucket, `${e.name ?? 'error'}: ${detail}`));
}

export class S3ObjectStore extends ServiceStore implements ObjectStore {
  readonly scheme = 's3' as const;
  constructor(readonly client: S3Client) {
    super(s3Error);
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    const found: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(bucket, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const item of page.Contents ?? []) if (item.Key) found.push({ key: item.Key, size: item.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort(byKey);
  }

  protected async head(bucket: string, key: string): Promise<number> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.ContentLength ?? 0;
  }

  protected headBucket(bucket: string): Promise<unknown> {
    return this.client.send(new HeadBucketCommand({ Bucket: bucket }));
  }

  async *stream(bucket: string, key: string): AsyncGenerator<Buffer> {
    const object = await this.call(bucket, () => this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
    try {
      for await (const chunk of object.Body as AsyncIterable<Uint8Array>)
        yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    } catch (error) {
      throw s3Error(error, bucket);
    }
  }

  protected async readRange(bucket: string, key: string, first: number, last: number): Promise<Uint8Array> {
    const object = await this.client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${first}-${last}` }),
    );
    return object.Body!.transformToByteArray();
  }

  upload(bucket: string, key: string, file: string, progress?: () => void): Promise<void> {
    return this.call(bucket, () => uploadFileToS3(this.client, { bucket, key, file, progress }));
  }

  async put(bucket: string, key: string, body: string): Promise<void> {
    await this.call(bucket, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: Buffer.byteLength(body),
          ContentType: contentTypeOf(key),
        }),
      ),
    );
  }

  async remove(bucket: string, key: string): Promise<void> {
    await this.call(bucket, () => this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
  }
}
