// gs:// through the official @google-cloud/storage: credentials by Application Default Credentials
// (GOOGLE_APPLICATION_CREDENTIALS, gcloud, the metadata server); an emulator through
// STORAGE_EMULATOR_HOST. No automatic retries: Temporal's retry policy owns them.
import { stat } from 'node:fs/promises';
import { Storage } from '@google-cloud/storage';
import type { ObjectStorageSettings } from '../../common/config';
import { byKey, ServiceStore } from './base';
import {
  contentTypeOf,
  StorageError,
  storageErrorMessage,
  type ObjectInfo,
  type ObjectStore,
  type StorageErrorKind,
} from './types';

/** Above this, an upload is resumable (sent in pieces that survive a dropped connection). */
const RESUMABLE_FROM_BYTES = 8 * 1024 * 1024;

/**
 * The client, with STORAGE_EMULATOR_HOST taken as every other Google library takes it (the
 * emulator's http://host:port). The Node client reads the variable itself in its constructor and
 * then sends JSON API calls to the bare host (no /storage/v1): every call is a 404 against
 * fake-gcs-server. So the variable is hidden while the client is made and passed as apiEndpoint,
 * which the client joins correctly for both API calls and uploads.
 */
export function gcsClient(settings: ObjectStorageSettings): Storage {
  const fromEnv = process.env.STORAGE_EMULATOR_HOST;
  delete process.env.STORAGE_EMULATOR_HOST;
  try {
    return new Storage({
      ...(settings.gcsEndpoint ? { apiEndpoint: settings.gcsEndpoint } : {}),
      retryOptions: { autoRetry: false },
    });
  } finally {
    if (fromEnv !== undefined) process.env.STORAGE_EMULATOR_HOST = fromEnv;
  }
}

interface GoogleError {
  code?: number | string;
  message?: string;
}

function kindOf(error: GoogleError): StorageErrorKind {
  const { code, message = '' } = error;
  if (code === 404 && /bucket/i.test(message)) return 'no_bucket';
  if (code === 401 || code === 403 || /Could not load the default credentials/.test(message)) return 'refused';
  if (code === 404) return 'not_found';
  if (typeof code === 'string' && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET/.test(code))
    return 'unreachable';
  return 'other';
}

export function gcsError(error: unknown, bucket: string): StorageError {
  if (error instanceof StorageError) return error;
  const e = (error ?? {}) as GoogleError;
  const kind = kindOf(e);
  return new StorageError(kind, storageErrorMessage(kind, bucket, (e.message ?? String(error)).split('\n')[0]));
}

export class GcsObjectStore extends ServiceStore implements ObjectStore {
  readonly scheme = 'gs' as const;
  constructor(readonly storage: Storage) {
    super(gcsError);
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    const [files] = await this.bucketCall(bucket, () =>
      this.storage.bucket(bucket).getFiles({ prefix, autoPaginate: true }),
    );
    return files.map((f) => ({ key: f.name, size: Number(f.metadata.size ?? 0) })).sort(byKey);
  }

  protected async head(bucket: string, key: string): Promise<number> {
    const [metadata] = await this.storage.bucket(bucket).file(key).getMetadata();
    return Number(metadata.size ?? 0);
  }

  protected headBucket(bucket: string): Promise<unknown> {
    return this.storage.bucket(bucket).getMetadata();
  }

  async *stream(bucket: string, key: string): AsyncGenerator<Buffer> {
    try {
      yield* this.storage.bucket(bucket).file(key).createReadStream() as AsyncIterable<Buffer>;
    } catch (error) {
      throw gcsError(error, bucket);
    }
  }

  protected async readRange(bucket: string, key: string, first: number, last: number): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    const file = this.storage.bucket(bucket).file(key);
    for await (const chunk of file.createReadStream({ start: first, end: last }) as AsyncIterable<Buffer>)
      chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async upload(bucket: string, key: string, file: string, progress?: () => void): Promise<void> {
    const { size } = await stat(file);
    await this.bucketCall(bucket, () =>
      this.storage.bucket(bucket).upload(file, {
        destination: key,
        contentType: contentTypeOf(key),
        resumable: size > RESUMABLE_FROM_BYTES,
        ...(progress ? { onUploadProgress: progress } : {}),
      }),
    );
    progress?.();
  }

  async put(bucket: string, key: string, body: string): Promise<void> {
    await this.bucketCall(bucket, () =>
      this.storage
        .bucket(bucket)
        .file(key)
        .save(body, { resumable: false, contentType: contentTypeOf(key) }),
    );
  }

  async remove(bucket: string, key: string): Promise<void> {
    await this.call(bucket, () => this.storage.bucket(bucket).file(key).delete());
  }
}
