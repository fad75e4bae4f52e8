// `llmbatch worker`: a worker process against TEMPORAL_ADDRESS. Also what the crash tests start
// and SIGKILL. Shuts down cleanly on SIGINT / SIGTERM.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { openStore, type RunStore } from '../store';
import { installWorkerLogging } from './logging';
import { createLlmbatchWorker } from './create-worker';
import { ensureSearchAttributes } from './search-attributes';
import { startWebhookServer, type WebhookServer } from './webhook-server';
import type { LlmbatchConfig } from '../common/config';
import { processConfig, storeLocation, temporalConnectConfig } from './settings';

export async function runWorker(): Promise<void> {
  const config = processConfig();
  const { connectionOptions, namespace } = temporalConnectConfig();
  installWorkerLogging(config.logLevel);
  // The store first: a PGlite folder held by another process refuses here, before anything starts.
  const store = await openStore(storeLocation(config));
  try {
    await serve(config, connectionOptions, namespace, store);
  } finally {
    await store.sql.close();
  }
}

async function serve(
  config: LlmbatchConfig,
  connectionOptions: ReturnType<typeof temporalConnectConfig>['connectionOptions'],
  namespace: string,
  store: RunStore,
): Promise<void> {
  const admin = await Connection.connect(connectionOptions);
  try {
    await ensureSearchAttributes(admin, namespace);
  } finally {
    await admin.close();
  }
  const connection = await NativeConnection.connect(connectionOptions);
  let webhooks: WebhookServer | undefined;
  try {
    if (config.webhooks) {
      const client = new Client({ connection, namespace });
      webhooks = await startWebhookServer({ ...config.webhooks, store, client });
      console.log(`webhooks: OpenAI batch events accepted at ${webhooks.url}`);
    }
    const taskQueue = config.taskQueue;
    const worker = await createLlmbatchWorker({
      connection,
      namespace,
      taskQueue,
      store,
      providerEnv: config.providers,
      shutdownGraceTime: config.shutdownGrace,
    });
    console.log(`worker polling task queue "${taskQueue}" on ${connectionOptions.address} (namespace ${namespace})`);
    await worker.run();
  } finally {
    await webhooks?.close();
    await connection.close();
  }
}

if (require.main === module) {
  runWorker().catch((error: unknown) => {
    console.error(`worker: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
