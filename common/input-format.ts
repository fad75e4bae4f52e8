// What kind of file a run's input is, from its name (or the spec's `inputFormat`), and whether the
// input names one file or a glob of shards. Pure, so the spec loader and the activities agree.

export const INPUT_FORMATS = ['jsonl', 'jsonl.gz', 'csv', 'parquet'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** The format an input's name implies; JSONL unless it ends in .csv, .parquet or .gz. */
export function inputFormatOf(path: string): InputFormat {
  const name = path.toLowerCase();
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.parquet') || name.endsWith('.parq')) return 'parquet';
  if (name.endsWith('.gz')) return 'jsonl.gz';
  return 'jsonl';
}

/** True for an input with glob characters (`data/part-*.parquet`): a list of shards read in order. */
export function hasGlob(path: string): boolean {
  return /[*?[\]{}]/.test(path);
}

/** `s3://` or `gs://`: the input or output lives in object storage. */
export function isObjectUrl(path: string): boolean {
  return /^(s3|gs):\/\//.test(path);
}
