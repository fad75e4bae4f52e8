// What `cluster up` started, kept in DIR/cluster.json, so `cluster status`, `down` and
// `restart-server` work from any other process: the ports it chose, the processes' pids, the URLs
// it printed. Written whole to a draft then renamed, so a reader never sees half of it.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterPorts } from './config';

export const STATE_FILE = 'cluster.json';

export interface ClusterState {
  /** The Temporal server version (a later `up` of another version would meet this schema). */
  serverVersion: string;
  ports: ClusterPorts;
  /** The embedded PostgreSQL's folder (its pid is its own postmaster.pid's). */
  postgresDir: string;
  serverPid?: number;
  uiPid?: number;
  temporalAddress: string;
  databaseUrl: string;
  uiUrl: string;
}

export function readState(dir: string): ClusterState | undefined {
  const path = join(dir, STATE_FILE);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as ClusterState;
}

export function writeState(dir: string, state: ClusterState): void {
  const path = join(dir, STATE_FILE);
  writeFileSync(`${path}.${process.pid}`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.${process.pid}`, path);
}

/** The three lines `cluster up` prints, for a shell (`export $(llmbatch cluster up)`) or a .env file. */
export function environmentLines(state: ClusterState): string[] {
  return [
    `TEMPORAL_ADDRESS=${state.temporalAddress}`,
    `DATABASE_URL=${state.databaseUrl}`,
    `TEMPORAL_UI_URL=${state.uiUrl}`,
  ];
}
