// Encryption keys for tests: fresh random ones, as `openssl rand -base64 32` makes them.
import { randomBytes } from 'node:crypto';
import type { CodecKeys } from '../../workers/codec-keys';

export function newKey(): string {
  return randomBytes(32).toString('base64');
}

/** Keys by id; the first encrypts unless `encryptWith` names another. */
export function codecKeys(entries: Record<string, string>, encryptWith = Object.keys(entries)[0]): CodecKeys {
  return {
    encryptWith,
    keys: new Map(Object.entries(entries).map(([id, base64]) => [id, Buffer.from(base64, 'base64')])),
  };
}
