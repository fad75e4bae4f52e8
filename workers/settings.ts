// Worker settings: the validated configuration (common/config.ts) and, for the Temporal
// connection, the environment-configuration conventions (TEMPORAL_ADDRESS, profiles, TLS).
import { resolve } from 'node:path';
import { loadClientConnectConfig, type LoadClientProfileOptions } from '@temporalio/envconfig';
import { DEFAULT_NAMESPACE, DEFAULT_TEMPORAL_ADDRESS } from '../common';
import { loadConfig, type LlmbatchConfig } from '../common/config';

/** This process's configuration; a bad variable throws one ConfigError naming it. */
export function processConfig(): LlmbatchConfig {
  return loadConfig(process.env);
}

/** DATABASE_URL (PostgreSQL, shared by every worker) or else the embedded server's folder (this machine's processes). */
export function storeLocation(config: LlmbatchConfig): string {
  return config.store.databaseUrl ?? resolve(config.store.dir);
}

/**
 * Temporal connection settings by the environment-configuration conventions (TEMPORAL_ADDRESS,
 * profiles, TLS, API key): the dev server, docker-compose and Temporal Cloud alike. `options` is
 * for tests (another environment or config file); the CLI and workers use this process's.
 */
export function temporalConnectConfig(options?: LoadClientProfileOptions) {
  const config = loadClientConnectConfig(options);
  return {
    connectionOptions: {
      ...config.connectionOptions,
      address: config.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS,
    },
    namespace: config.namespace ?? DEFAULT_NAMESPACE,
  };
}
