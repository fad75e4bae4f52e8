// Object ids shaped like OpenAI's (`file-…`, `batch_…`, `req_…`). Random rather than seeded:
// ids must stay unique across resets, because a client may still hold ids from before one.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (let i = 0; i < length; i++) id += ALPHABET[bytes[i] % ALPHABET.length];
  return id;
}

/**
 * Cheap unique ids for the many lines of one output file: a random stem per batch plus the line
 * index, so a 50,000-line file does not cost 50,000 calls into the CSPRNG.
 */
export function lineIds(prefix: string): (index: number) => string {
  const stem = randomId('', 16);
  return (index) => `${prefix}${stem}${index.toString(36).padStart(4, '0')}`;
}
