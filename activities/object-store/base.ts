// What the S3 and Cloud Storage stores share: every SDK call's error translated the service's way,
// and ranged reads as hyparquet wants them ([start, end), an ArrayBuffer of exactly those bytes).
import type { StorageError } from './types';

export abstract class ServiceStore {
  protected abstract translate(error: unknown, bucket: string): StorageError;

  /** Bytes first..last, both included: how both services' Range headers count. */
  protected abstract readRange(bucket: string, key: string, first: number, last: number): Promise<Uint8Array>;

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
}
