// Worker settings from the environment, with the embedded defaults.
import { resolve } from 'node:path';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS } from '../common';

export function taskQueueFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.LLMBATCH_TASK_QUEUE || DEFAULT_TASK_QUEUE;
}

/** DATABASE_URL (PostgreSQL, shared by every worker) or else a PGlite folder (one worker process). */
export function storeLocationFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL || resolve(env.LLMBATCH_STORE_DIR || '.llmbatch/store');
}

/** Temporal connection settings by the environment-configuration conventions (TEMPORAL_ADDRESS, profiles, TLS). */
export function temporalConnectConfig() {
  const config = loadClientConnectConfig();
  return {
    connectionOptions: {
      ...config.connectionOptions,
      address: config.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS,
    },
    namespace: config.namespace ?? DEFAULT_NAMESPACE,
  };
}
