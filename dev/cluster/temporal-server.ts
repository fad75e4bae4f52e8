// The Temporal server of a cluster: four services in one process, configured by the YAML that
// `cluster up` wrote into DIR/temporal/config, started detached and waited for until its frontend
// answers. Restarting it keeps its ports (the config's), so clients and workers reconnect.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { processAlive } from '../../store/embedded/postmaster-pid';
import { logSize, logTail, runsWith, spawnDetached, stopProcess } from './processes';

/** Config file DIR/temporal/config/cluster.yaml: the server's --env names it. */
export const SERVER_ENV = 'cluster';
const START_TIMEOUT_MS = 90_000;

export const serverRoot = (dir: string) => join(dir, 'temporal');
export const serverLog = (dir: string) => join(serverRoot(dir), 'server.log');

/** Does the frontend answer at `address`? */
export async function answers(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2_000 });
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** Starts the server and waits until its frontend answers at `address`; answers its pid. */
export async function startTemporalServer(binary: string, dir: string, address: string): Promise<number> {
  const root = serverRoot(dir);
  const log = serverLog(dir);
  const from = logSize(log);
  const pid = spawnDetached(
    binary,
    ['--root', root, '--config', 'config', '--env', SERVER_ENV, '--allow-no-auth', 'start'],
    root,
    log,
  );
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) throw new Error(`the Temporal server did not start: ${logTail(log, from) || `see ${log}`}`);
    if (await answers(address)) return pid;
    await sleep(250);
  }
  await stopProcess(pid);
  throw new Error(`the Temporal server did not answer at ${address} within ${START_TIMEOUT_MS / 1000} s: see ${log}`);
}

export function serverRunning(dir: string, pid: number | undefined): boolean {
  return runsWith(pid, serverRoot(dir));
}

/** A graceful stop (the server drains its shards), then a kill. */
export async function stopTemporalServer(dir: string, pid: number | undefined): Promise<boolean> {
  if (!pid || !serverRunning(dir, pid)) return false;
  await stopProcess(pid, 30_000);
  return true;
}
