// The embedded default that `dev` and the demo run in one process: a Temporal dev server
// persisted under .llmbatch/, the provider simulator, and a worker with the PGlite store.
import { join, resolve } from 'node:path';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE } from '../common';
import { startSimulator, type RunningSimulator } from '../simulator';
import { openStore, type RunStore } from '../store';
import { installWorkerLogging } from '../workers/logging';
import { createLlmbatchWorker } from '../workers/create-worker';
import { isPortFree, startDevServer, type DevServer } from '../workers/dev-server';
import { providerEnvFromProcess } from '../providers';
import { removeDevServerInfo, writeDevServerInfo } from './temporal-client';

export interface EmbeddedOptions {
  stateDir?: string;
  simulatorProfile?: unknown;
  simulatorPort?: number;
  log?: (line: string) => void;
}

export interface Embedded {
  temporal: DevServer;
  simulator: RunningSimulator;
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
  installWorkerLogging();
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
  try {
    simulator = await startSimulator({ port: options.simulatorPort ?? 0, profile: options.simulatorProfile });
    // Workers of this process and anything it spawns find the simulator and Temporal here.
    process.env.LLMBATCH_SIMULATOR_URL = simulator.url;
    process.env.TEMPORAL_ADDRESS = temporal.address;
    if (temporal.uiUrl) process.env.TEMPORAL_UI_URL = temporal.uiUrl;
    connection = await NativeConnection.connect({ address: temporal.address });
    const taskQueue = process.env.LLMBATCH_TASK_QUEUE || DEFAULT_TASK_QUEUE;
    const worker = await createLlmbatchWorker({
      connection,
      namespace: DEFAULT_NAMESPACE,
      taskQueue,
      store,
      providerEnv: providerEnvFromProcess(),
    });
    const running = worker.run();
    const embedded: Embedded = {
      temporal,
      simulator,
      worker,
      store,
      taskQueue,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await connection?.close();
        await store?.sql.close();
        await simulator?.close();
        await stopTemporal();
      },
    };
    return embedded;
  } catch (error) {
    await connection?.close().catch(() => undefined);
    await store?.sql.close().catch(() => undefined);
    await simulator?.close().catch(() => undefined);
    await stopTemporal();
    throw error;
  }
}
