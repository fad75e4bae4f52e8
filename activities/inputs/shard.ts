// One file of an input, wherever its bytes are (a local file, an s3:// or gs:// object): what the
// dataset readers take, so they never ask where the bytes come from.
import { ApplicationFailure } from '@temporalio/common';

/** hyparquet's AsyncBuffer: a byte length and ranges read on demand. */
export interface ByteSource {
  byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

export interface Shard {
  /** Where it is: a path or an s3:// / gs:// URL. */
  location: string;
  /** What a rejection names before `:row`: the name below the glob's folder, or the file's name. */
  label: string;
  size: number;
  stream(): AsyncIterable<Buffer>;
  bytes(): Promise<ByteSource>;
}

export function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'BadDataset');
}
