// `llmbatch worker`: a worker process against TEMPORAL_ADDRESS. Also what the crash tests start
// and SIGKILL. Shuts down cleanly on SIGINT / SIGTERM.
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { providerEnvFromProcess } from '../providers';
import { openStore } from '../store';
import { installWorkerLogging } from './logging';
import { createLlmbatchWorker } from './create-worker';
import { ensureSearchAttributes } from './search-attributes';
import { storeLocationFromEnv, taskQueueFromEnv, temporalConnectConfig } from './settings';

export async function runWorker(): Promise<void> {
  const { connectionOptions, namespace } = temporalConnectConfig();
  installWorkerLogging();
  const admin = await Connection.connect(connectionOptions as never);
  try {
    await ensureSearchAttributes(admin, namespace);
  } finally {
    await admin.close();
  }
  const connection = await NativeConnection.connect(connectionOptions);
  const store = await openStore(storeLocationFromEnv());
  try {
    const taskQueue = taskQueueFromEnv();
    const worker = await createLlmbatchWorker({
      connection,
      namespace,
      taskQueue,
      store,
      providerEnv: providerEnvFromProcess(),
    });
    console.log(`worker polling task queue "${taskQueue}" on ${connectionOptions.address} (namespace ${namespace})`);
    await worker.run();
  } finally {
    await connection.close();
    await store.sql.close();
  }
}

if (require.main === module) {
  runWorker().catch((error: unknown) => {
    console.error(`worker: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
