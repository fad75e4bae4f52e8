// `llmbatch cluster up|status|restart-server|down`: a real Temporal server on PostgreSQL on this
// machine, the production shape that docker-compose.yml describes, without Docker. Everything
// lives in one folder (DIR): the PostgreSQL data, the generated configs, the logs and
// cluster.json, which lets any later process find and stop what `up` started.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_NAMESPACE } from '../../common';
import { serverState, stopServer } from '../../store/embedded/server';
import { clusterBinaries } from './binaries';
import { dynamicConfig, PORT_NAMES, serverConfig, uiConfig, type ClusterPorts } from './config';
import { prepareNamespace } from './namespace';
import { databaseOf, setUpTemporalSchema, startPostgres } from './postgres';
import { freePorts } from './ports';
import { readState, writeState, type ClusterState } from './state';
import { SERVER_ENV, serverRoot, serverRunning, startTemporalServer, stopTemporalServer } from './temporal-server';
import { startUiServer, stopUiServer, uiRoot, uiRunning, UI_ENV } from './ui-server';
import { TEMPORAL_SERVER_VERSION } from './versions';

export const DEFAULT_CLUSTER_DIR = '.llmbatch/cluster';

const postgresDir = (dir: string) => join(dir, 'postgres');

async function choosePorts(): Promise<ClusterPorts> {
  const ports = await freePorts(PORT_NAMES.length);
  return Object.fromEntries(PORT_NAMES.map((name, i) => [name, ports[i]])) as unknown as ClusterPorts;
}

function writeConfigs(dir: string, state: ClusterState, password: string, pgPort: number): void {
  const dynamicPath = join(serverRoot(dir), 'dynamicconfig.yaml');
  mkdirSync(join(serverRoot(dir), 'config'), { recursive: true });
  mkdirSync(join(uiRoot(dir), 'config'), { recursive: true });
  const db = { port: pgPort, user: 'llmbatch', password };
  writeFileSync(join(serverRoot(dir), 'config', `${SERVER_ENV}.yaml`), serverConfig(state.ports, db, dynamicPath), {
    mode: 0o600,
  });
  writeFileSync(dynamicPath, dynamicConfig());
  writeFileSync(join(uiRoot(dir), 'config', `${UI_ENV}.yaml`), uiConfig(state.ports));
}

/**
 * Starts what is not running yet (all of it, the first time) and answers the state. A second `up`
 * on a running cluster changes nothing; after `down`, `up` brings back the same cluster and data.
 */
export async function clusterUp(dirGiven: string, log: (line: string) => void): Promise<ClusterState> {
  const dir = resolve(dirGiven);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const binaries = clusterBinaries(log);
  const postgres = await startPostgres(postgresDir(dir), log);
  const db = databaseOf(postgres);
  await setUpTemporalSchema(binaries.sql, db);
  const earlier = readState(dir);
  const ports = earlier?.ports ?? (await choosePorts());
  const state: ClusterState = {
    ...earlier,
    serverVersion: TEMPORAL_SERVER_VERSION,
    ports,
    postgresDir: postgres.storeDir,
    temporalAddress: `127.0.0.1:${ports.frontend}`,
    databaseUrl: postgres.url,
    uiUrl: `http://127.0.0.1:${ports.ui}`,
  };
  writeConfigs(dir, state, db.password, db.port);
  writeState(dir, state);
  const hint = ` (\`llmbatch cluster down --dir ${dirGiven}\` stops what started)`;
  try {
    if (!serverRunning(dir, state.serverPid)) {
      state.serverPid = await startTemporalServer(binaries.server, dir, state.temporalAddress);
      writeState(dir, state);
      log(`cluster: Temporal server ${TEMPORAL_SERVER_VERSION} on ${state.temporalAddress} (pid ${state.serverPid})`);
    }
    const registered = await prepareNamespace(state.temporalAddress, DEFAULT_NAMESPACE);
    if (registered.length) log(`cluster: registered ${registered.join(' and ')}`);
    if (!uiRunning(dir, state.uiPid)) {
      state.uiPid = await startUiServer(binaries.ui, dir, state.uiUrl);
      writeState(dir, state);
      log(`cluster: Temporal Web UI on ${state.uiUrl} (pid ${state.uiPid})`);
    }
  } catch (error) {
    throw new Error(`${(error as Error).message}${hint}`);
  }
  return state;
}

function requireState(dir: string, dirGiven: string): ClusterState {
  const state = readState(dir);
  if (!state) throw new Error(`no cluster in ${dirGiven}: start one with \`llmbatch cluster up --dir ${dirGiven}\``);
  return state;
}

export interface ClusterStatus {
  state: ClusterState;
  server: boolean;
  ui: boolean;
  postgres?: { pid: number; port: number };
}

export function clusterStatus(dirGiven: string): ClusterStatus {
  const dir = resolve(dirGiven);
  const state = requireState(dir, dirGiven);
  return {
    state,
    server: serverRunning(dir, state.serverPid),
    ui: uiRunning(dir, state.uiPid),
    postgres: serverState(state.postgresDir),
  };
}

/** Stops the server and starts it again on the same config and ports (for tests of a restart). */
export async function restartServer(dirGiven: string, log: (line: string) => void): Promise<ClusterState> {
  const dir = resolve(dirGiven);
  const state = requireState(dir, dirGiven);
  if (await stopTemporalServer(dir, state.serverPid)) log(`cluster: Temporal server (pid ${state.serverPid}) stopped`);
  state.serverPid = await startTemporalServer(clusterBinaries(log).server, dir, state.temporalAddress);
  writeState(dir, state);
  log(`cluster: Temporal server on ${state.temporalAddress} (pid ${state.serverPid})`);
  return state;
}

/** Stops, in order, the UI (it calls the server), the server (it writes to PostgreSQL), PostgreSQL. */
export async function clusterDown(dirGiven: string, log: (line: string) => void): Promise<void> {
  const dir = resolve(dirGiven);
  const state = requireState(dir, dirGiven);
  if (await stopUiServer(dir, state.uiPid)) log(`cluster: Web UI (pid ${state.uiPid}) stopped`);
  if (await stopTemporalServer(dir, state.serverPid)) log(`cluster: Temporal server (pid ${state.serverPid}) stopped`);
  const pgPid = await stopServer(state.postgresDir);
  if (pgPid) log(`cluster: PostgreSQL (pid ${pgPid}) stopped`);
  writeState(dir, { ...state, serverPid: undefined, uiPid: undefined });
}
