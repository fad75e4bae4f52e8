// A file's place under an output folder that may be a local path or an s3:// / gs:// prefix:
// path.join would turn `s3://b/p` into `s3:/b/p`.
import { join } from 'node:path';
import { isObjectUrl } from '../../common/input-format';
import { keyUnder } from '../../common/object-url';

export function joinLocation(dir: string, ...parts: string[]): string {
  if (!isObjectUrl(dir)) return join(dir, ...parts);
  const bucket = /^(s3|gs):\/\/[^/]+/.exec(dir)![0];
  const key = keyUnder(dir.slice(bucket.length), ...parts);
  return key ? `${bucket}/${key}` : bucket;
}
