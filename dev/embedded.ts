// The embedded stack that `dev` and the demo run in one process: a Temporal dev server persisted
// under .llmbatch/, the provider simulator, and a worker with the PGlite store. Nothing here writes
// process.env: the simulator's URL goes to the worker's providers, and the server's address and UI
// come back to the caller in the returned `temporal`.
import { join, resolve } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { DEFAULT_NAMESPACE } from '../common';
import type { LlmbatchConfig } from '../common/config';
import { newWebhookSecret, startSimulator, type RunningSimulator } from '../simulator';
import { openStore, type RunStore } from '../store';
import { installTelemetry, startWorkerMetrics } from '../workers/telemetry';
import type { MetricsServer } from '../workers/metrics-server';
import { processConfig } from '../workers/settings';
import { createLlmbatchWorker } from '../workers/create-worker';
import { startWebhookServer, type WebhookServer } from '../workers/webhook-server';
import { isPortFree, startDevServer, type DevServer } from './dev-server';
import { removeDevServerInfo, writeDevServerInfo } from './dev-server-info';

export interface EmbeddedOptions {
  stateDir?: string;
  simulatorProfile?: unknown;
  simulatorPort?: number;
  log?: (line: string) => void;
  /** The configuration (task queue, provider keys, breaker, log level); this process's by default. */
  config?: LlmbatchConfig;
  /**
   * The simulator's batch webhooks go to the worker's endpoint (true, the default: a free port and a
   * fresh secret, or LLMBATCH_WEBHOOK_PORT and OPENAI_WEBHOOK_SECRET when set); false: chunks poll.
   * A profile that names its own `webhooks` keeps them.
   */
  webhooks?: boolean;
}

/** The profile with `webhooks` at the endpoint, unless it names webhooks of its own. */
export function withWebhooks(profile: unknown, url: string, secret: string): unknown {
  const given = (profile ?? {}) as Record<string, unknown>;
  if (typeof given !== 'object' || given.webhooks !== undefined) return profile;
  return { ...given, webhooks: { url, secret } };
}

export interface Embedded {
  temporal: DevServer;
  simulator: RunningSimulator;
  /** The worker's webhook endpoint, unless `webhooks: false`. */
  webhooks?: WebhookServer;
  worker: Worker;
  store: RunStore;
  taskQueue: string;
  stop(): Promise<void>;
}

/** 7233 / 8233 when free (what users and the Web UI expect), else free ports. */
async function pickPorts(): Promise<{ port: number; uiPort: number }> {
  if ((await isPortFree(7233)) && (await isPortFree(8233))) return { port: 7233, uiPort: 8233 };
  return { port: 0, uiPort: 0 };
}

export async function startEmbedded(options: EmbeddedOptions = {}): Promise<Embedded> {
  const log = options.log ?? ((line: string) => console.error(line));
  const config = options.config ?? processConfig();
  const { temporalMetricsUrl } = await installTelemetry(config);
  const stateDir = resolve(options.stateDir ?? '.llmbatch');
  // The store first: a folder already served by another process (`worker`, another `dev`) refuses
  // here, before a Temporal server or simulator is started for nothing.
  const store: RunStore = await openStore(join(stateDir, 'store'));
  const ports = await pickPorts();
  let temporal: DevServer;
  try {
    temporal = await startDevServer({
      ...ports,
      dbFile: join(stateDir, 'temporal.db'),
      logFile: join(stateDir, 'temporal.log'),
      log,
    });
  } catch (error) {
    await store.sql.close();
    throw error;
  }
  // `status`, `wait` and `run` in other terminals link to this server's Web UI (its port may not be 8233).
  writeDevServerInfo(stateDir, { address: temporal.address, uiUrl: temporal.uiUrl });
  const stopTemporal = async () => {
    removeDevServerInfo(stateDir, temporal.address);
    await temporal.stop();
  };
  let simulator: RunningSimulator | undefined;
  let connection: NativeConnection | undefined;
  let webhooks: WebhookServer | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    const { metrics, server } = await startWorkerMetrics(config, store, temporalMetricsUrl);
    metricsServer = server;
    connection = await NativeConnection.connect({ address: temporal.address });
    let profile = options.simulatorProfile;
    if (options.webhooks !== false) {
      const secret = config.webhooks?.secret ?? newWebhookSecret();
      const client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
      webhooks = await startWebhookServer({ ...config.webhooks, secret, store, client, log });
      profile = withWebhooks(profile, webhooks.url, secret);
    }
    simulator = await startSimulator({ port: options.simulatorPort ?? 0, profile });
    const taskQueue = config.taskQueue;
    const worker = await createLlmbatchWorker({
      connection,
      namespace: DEFAULT_NAMESPACE,
      taskQueue,
      store,
      // This stack's simulator, whatever LLMBATCH_SIMULATOR_URL says; real providers' keys as configured.
      providerEnv: { ...config.providers, simulatorUrl: simulator.url },
      shutdownGraceTime: config.shutdownGrace,
      metrics,
    });
    const running = worker.run();
    const embedded: Embedded = {
      temporal,
      simulator,
      webhooks,
      worker,
      store,
      taskQueue,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await webhooks?.close();
        await metricsServer?.close();
        await connection?.close();
        await store?.sql.close();
        await simulator?.close();
        await stopTemporal();
      },
    };
    return embedded;
  } catch (error) {
    await webhooks?.close().catch(() => undefined);
    await metricsServer?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await store?.sql.close().catch(() => undefined);
    await simulator?.close().catch(() => undefined);
    await stopTemporal();
    throw error;
  }
}
