// `llmbatch worker`: a worker process against TEMPORAL_ADDRESS. Also what the crash tests start
// and SIGKILL. Shuts down cleanly on SIGINT / SIGTERM.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { openStore, type RunStore } from '../store';
import { announce } from './logging';
import { installTelemetry, startWorkerMetrics } from './telemetry';
import { createFilesWorker, createLlmbatchWorker } from './create-worker';
import { ensureSearchAttributes } from './search-attributes';
import { requireNamespace } from './namespace-check';
import { startWebhookServer, type WebhookServer } from './webhook-server';
import type { LlmbatchConfig } from '../common/config';
import type { RunMetrics } from '../activities/alerts/metrics';
import { dataConverterFor } from './data-converter';
import { processConfig, storeLocation, temporalConnectConfig } from './settings';

export interface RunWorkerOptions {
  /** Also serve the files activities on this queue (`--files-queue`; default LLMBATCH_FILES_QUEUE). */
  filesQueue?: string;
}

export async function runWorker(options: RunWorkerOptions = {}): Promise<void> {
  const config = processConfig();
  const filesQueue = options.filesQueue ?? config.filesQueue;
  if (filesQueue === config.taskQueue) {
    // The files worker takes only file activities: on the shared queue it would refuse the others.
    throw new Error(
      `the files queue must differ from the task queue ("${filesQueue}"); name one for this machine's files, e.g. llmbatch-files-<host>`,
    );
  }
  const { connectionOptions, namespace } = temporalConnectConfig();
  const { temporalMetricsUrl } = await installTelemetry(config);
  // The store first: a store that cannot be had (an earlier version's folder, no database) refuses
  // here, before anything starts.
  const store = await openStore(storeLocation(config), { log: announce });
  try {
    const { metrics, server } = await startWorkerMetrics(config, store, temporalMetricsUrl);
    try {
      await serve(config, connectionOptions, namespace, store, filesQueue, metrics);
    } finally {
      await server?.close();
    }
  } finally {
    await store.sql.close();
  }
}

async function serve(
  config: LlmbatchConfig,
  connectionOptions: ReturnType<typeof temporalConnectConfig>['connectionOptions'],
  namespace: string,
  store: RunStore,
  filesQueue: string | undefined,
  metrics: RunMetrics,
): Promise<void> {
  const admin = await Connection.connect(connectionOptions);
  try {
    await requireNamespace(admin, namespace, connectionOptions.address);
    await ensureSearchAttributes(admin, namespace);
  } finally {
    await admin.close();
  }
  const dataConverter = dataConverterFor(config);
  const connection = await NativeConnection.connect(connectionOptions);
  let webhooks: WebhookServer | undefined;
  try {
    if (config.webhooks) {
      const client = new Client({ connection, namespace, dataConverter });
      webhooks = await startWebhookServer({ ...config.webhooks, store, client });
      announce(`webhooks: OpenAI batch events accepted at ${webhooks.url}`);
    }
    const taskQueue = config.taskQueue;
    const shared = {
      connection,
      namespace,
      store,
      providerEnv: config.providers,
      shutdownGraceTime: config.shutdownGrace,
      metrics,
      dataConverter,
    };
    const workers = [await createLlmbatchWorker({ ...shared, taskQueue })];
    if (filesQueue) workers.push(await createFilesWorker({ ...shared, filesQueue }));
    const files = filesQueue ? ` and files queue "${filesQueue}" (plan, finalize)` : '';
    announce(
      `worker polling task queue "${taskQueue}"${files} on ${connectionOptions.address} (namespace ${namespace})`,
      {
        taskQueue,
        ...(filesQueue ? { filesQueue } : {}),
        namespace,
      },
    );
    await runTogether(workers);
  } finally {
    await webhooks?.close();
    await connection.close();
  }
}

/** Runs the workers until the runtime stops them (SIGINT / SIGTERM); one that fails stops the others. */
async function runTogether(workers: Worker[]): Promise<void> {
  const stopOthers = () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  const runs = workers.map((worker) =>
    worker.run().catch((error: unknown) => {
      stopOthers();
      throw error;
    }),
  );
  const ended = await Promise.allSettled(runs);
  const failed = ended.find((end): end is PromiseRejectedResult => end.status === 'rejected');
  if (failed) throw failed.reason;
}

if (require.main === module) {
  runWorker().catch((error: unknown) => {
    console.error(`worker: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
