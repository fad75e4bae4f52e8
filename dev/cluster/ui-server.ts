// The Temporal Web UI server (the Go program the Temporal CLI embeds in its dev server), pointed
// at the cluster's frontend, so TEMPORAL_UI_URL and every run's Web UI link lead somewhere.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../store/embedded/postmaster-pid';
import { logSize, logTail, runsWith, spawnDetached, stopProcess } from './processes';

export const UI_ENV = 'cluster';
const START_TIMEOUT_MS = 30_000;

export const uiRoot = (dir: string) => join(dir, 'ui');

async function serves(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

export async function startUiServer(binary: string, dir: string, url: string): Promise<number> {
  const root = uiRoot(dir);
  const log = join(root, 'ui.log');
  const from = logSize(log);
  const pid = spawnDetached(binary, ['--root', root, '--config', 'config', '--env', UI_ENV, 'start'], root, log);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!processAlive(pid))
      throw new Error(`the Temporal UI server did not start: ${logTail(log, from) || `see ${log}`}`);
    if (await serves(url)) return pid;
    await sleep(200);
  }
  await stopProcess(pid);
  throw new Error(`the Temporal UI server did not answer at ${url} within ${START_TIMEOUT_MS / 1000} s: see ${log}`);
}

export function uiRunning(dir: string, pid: number | undefined): boolean {
  return runsWith(pid, uiRoot(dir));
}

export async function stopUiServer(dir: string, pid: number | undefined): Promise<boolean> {
  if (!pid || !uiRunning(dir, pid)) return false;
  await stopProcess(pid, 10_000);
  return true;
}
