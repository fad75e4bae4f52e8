// One small interface over S3 and Cloud Storage, so that reading a dataset and writing a run's
// outputs do not care which service (or which SDK) holds the bytes. Each service's errors are
// translated here into a few kinds a user can act on; everything else keeps its SDK message.
export interface ObjectInfo {
  key: string;
  size: number;
}

export interface ObjectStore {
  readonly scheme: 's3' | 'gs';
  /** Every object whose key starts with `prefix`, in key order. */
  list(bucket: string, prefix: string): Promise<ObjectInfo[]>;
  /** One object's size, or undefined when the bucket exists and the object does not. */
  stat(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /** The object's bytes as they arrive: never the whole object in memory. */
  stream(bucket: string, key: string): AsyncIterable<Buffer>;
  /** Bytes [start, end) of the object (a Parquet footer, a row group's column chunks). */
  range(bucket: string, key: string, start: number, end: number): Promise<ArrayBuffer>;
  /** Uploads a local file as one object, in parts when it is large; `progress` is called as parts go. */
  upload(bucket: string, key: string, file: string, progress?: () => void): Promise<void>;
  put(bucket: string, key: string, body: string): Promise<void>;
  remove(bucket: string, key: string): Promise<void>;
}

/** What went wrong, in the words a spec's author needs: the same for both services. */
export type StorageErrorKind = 'no_bucket' | 'refused' | 'not_found' | 'unreachable' | 'other';

export class StorageError extends Error {
  constructor(
    readonly kind: StorageErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }

  /** Kinds that trying again cannot fix: bad input before a run, not a reason to retry. */
  get permanent(): boolean {
    return this.kind === 'no_bucket' || this.kind === 'refused' || this.kind === 'not_found';
  }
}

/** The one line a StorageError of `kind` says about `bucket`. */
export function storageErrorMessage(kind: StorageErrorKind, bucket: string, detail: string): string {
  switch (kind) {
    case 'no_bucket':
      return `bucket ${bucket} does not exist`;
    case 'refused':
      return `access to bucket ${bucket} was refused (${detail})`;
    case 'not_found':
      return `no such object (${detail})`;
    case 'unreachable':
      return `the storage service cannot be reached (${detail})`;
    case 'other':
      return detail;
  }
}

/** What a browser or a tool opening the object should take it for (report.html opens as a page). */
export function contentTypeOf(key: string): string {
  if (key.endsWith('.html')) return 'text/html; charset=utf-8';
  if (key.endsWith('.jsonl')) return 'application/x-ndjson';
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.parquet')) return 'application/vnd.apache.parquet';
  return 'application/octet-stream';
}
