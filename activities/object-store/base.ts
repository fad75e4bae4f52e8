// What the S3 and Cloud Storage stores share: every SDK call's error translated the service's way,
// a missing bucket told apart from a missing object, and ranged reads as hyparquet wants them
// ([start, end), an ArrayBuffer of exactly those bytes).
import { StorageError, storageErrorMessage, type ObjectInfo } from './types';

export const byKey = (a: ObjectInfo, b: ObjectInfo) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

export abstract class ServiceStore {
  /** `translate`: the service's errors as StorageErrors about a bucket. */
  constructor(private readonly translate: (error: unknown, bucket: string) => StorageError) {}

  /** Bytes first..last, both included: how both services' Range headers count. */
  protected abstract readRange(bucket: string, key: string, first: number, last: number): Promise<Uint8Array>;

  /** An object's size; a missing one fails as not_found. */
  protected abstract head(bucket: string, key: string): Promise<number>;

  /** Resolves when the bucket exists; fails as not_found when it does not. */
  protected abstract headBucket(bucket: string): Promise<unknown>;

  protected async call<T>(bucket: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.translate(error, bucket);
    }
  }

  async range(bucket: string, key: string, start: number, end: number): Promise<ArrayBuffer> {
    if (end <= start) return new ArrayBuffer(0);
    const bytes = await this.call(bucket, () => this.readRange(bucket, key, start, end - 1));
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  /** A call that names no existing object (a listing, a write): its 404 can only be the bucket's. */
  protected async bucketCall<T>(bucket: string, run: () => Promise<T>): Promise<T> {
    try {
      return await this.call(bucket, run);
    } catch (error) {
      if (error instanceof StorageError && error.kind === 'not_found')
        throw new StorageError('no_bucket', storageErrorMessage('no_bucket', bucket, ''));
      throw error;
    }
  }

  async stat(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      return { key, size: await this.call(bucket, () => this.head(bucket, key)) };
    } catch (error) {
      if (!(error instanceof StorageError) || error.kind !== 'not_found') throw error;
      // A HEAD answers a bare 404 for a missing bucket and a missing key alike: ask the bucket.
      await this.bucketCall(bucket, () => this.headBucket(bucket));
      return undefined;
    }
  }
}
