// Where a run's files may go. The client resolves output.dir (relative to the spec, as the user
// asked) to an absolute, normalized folder; later, a run id may be spliced in as one more segment
// (a schedule's `<output.dir>/<run id>`, an estimate's `samples/<id>`, a replay's `replay-<id>`).
// A run id comes from whoever started the workflow, not only from our CLI, so the worker checks
// here that such a segment cannot climb out (`../`) or restart at the root (`/abs/path`).
// Pure (no node:path), so that the client, activities and tests share it.
import { objectUrlProblem } from './object-url';

/** Why `dir` is not a folder the worker writes to, or undefined when it is one. */
export function outputDirProblem(dir: string): string | undefined {
  if (dir.includes('\0')) return 'contains a NUL character';
  // Relative is allowed: a run whose files live on a files worker names them relative to that
  // worker's folder (docs/operations.md, "Many workers, many machines"); its segments are checked all the same.
  // An s3:// or gs:// prefix: its key is checked as a path is (a run id spliced in must not climb out).
  const bucket = /^(s3|gs):\/\/[^/]*\/?/.exec(dir)?.[0];
  if (bucket) return objectUrlProblem(dir) ?? segmentsProblem(dir.slice(bucket.length).split('/'));
  const root = isAbsolutePath(dir) ? (/^(?:[A-Za-z]:)?[\\/]+/.exec(dir)?.[0] ?? '') : '';
  return segmentsProblem(dir.slice(root.length).split(/[\\/]/));
}

function segmentsProblem(segments: string[]): string | undefined {
  if (segments.includes('..')) return 'has a ".." segment: a run id or name with "../" cannot choose where files go';
  if (segments.includes('.')) return 'has a "." segment';
  // A trailing separator is harmless; "//" inside is what `<output.dir>/<run id>` makes of an absolute run id.
  if (segments.slice(0, -1).includes(''))
    return 'has an empty segment ("//"): a run id or name cannot be an absolute path';
  return undefined;
}

/** Why `value` cannot be one path segment under the output folder, or undefined when it can. */
export function pathSegmentProblem(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (value === '.' || value === '..') return `is "${value}"`;
  if (/[\\/]/.test(value)) return 'contains "/" or "\\" (it would name another folder)';
  if (value.includes('\0')) return 'contains a NUL character';
  return undefined;
}

function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}
