// Payload encryption in the benches: with LLMBATCH_ENCRYPTION_KEY (or _FILE, and _ID) in the bench's
// environment, its Temporal clients use the CLI's data converter (workers/data-converter.ts) and its
// worker gets the same settings, so a bench measures llmbatch as it runs with the codec on. The rest
// of the developer's LLMBATCH_* settings stay out, as before.
import { resolve } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { loadConfig } from '../common/config';
import { dataConverterFor } from '../workers/data-converter';

const CODEC_VARS = ['LLMBATCH_ENCRYPTION_KEY', 'LLMBATCH_ENCRYPTION_KEY_FILE', 'LLMBATCH_ENCRYPTION_KEY_ID'] as const;

export interface BenchCodec {
  /** The codec's variables for a worker's environment (a key file's path made absolute); empty when off. */
  env: Record<string, string>;
  /** The data converter of the bench's clients: the CLI's, for these settings. */
  dataConverter: DataConverter;
  on: boolean;
  /** For a bench's header: `codec on (...)` or `codec off`. */
  description: string;
}

/** The codec's variables of `env`, for a worker's environment (a key file's path made absolute). */
export function codecEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const given: Record<string, string> = {};
  for (const name of CODEC_VARS) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    given[name] = name === 'LLMBATCH_ENCRYPTION_KEY_FILE' ? resolve(value) : value;
  }
  return given;
}

/** The codec as this process's environment configures it; a bad key throws the CLI's ConfigError. */
export function benchCodec(env: NodeJS.ProcessEnv = process.env): BenchCodec {
  const given = codecEnv(env);
  const config = loadConfig(given);
  const dataConverter = dataConverterFor(config);
  const on = config.encryption !== undefined;
  const source = given.LLMBATCH_ENCRYPTION_KEY_FILE ? 'LLMBATCH_ENCRYPTION_KEY_FILE' : 'LLMBATCH_ENCRYPTION_KEY';
  return {
    env: given,
    dataConverter,
    on,
    description: on ? `codec on (payloads encrypted, AES-256-GCM, ${source})` : 'codec off',
  };
}
