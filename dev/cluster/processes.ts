// The cluster's Go programs run detached (they outlive `cluster up`, which only starts them), their
// output in a log file beside their config. A pid from the state file is only signalled while
// /proc says it is still our program: after a reboot the number may belong to another process.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../store/embedded/postmaster-pid';

/** Starts `binary args` detached, stdout and stderr appended to `logPath`; answers its pid. */
export function spawnDetached(binary: string, args: string[], cwd: string, logPath: string): number {
  const log = openSync(logPath, 'a');
  const child = spawn(binary, args, { cwd, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  if (!child.pid) throw new Error(`${binary} did not start`);
  return child.pid;
}

/** Is `pid` alive and running with `marker` (its config folder) among its arguments? */
export function runsWith(pid: number | undefined, marker: string): boolean {
  if (!pid || !processAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker);
  } catch {
    return true; // no /proc (macOS): a live pid is taken at its word
  }
}

/** Ends the process: SIGTERM (a graceful stop), then SIGKILL after `graceMs`. */
export async function stopProcess(pid: number, graceMs = 20_000): Promise<void> {
  const gone = async (ms: number) => {
    const until = Date.now() + ms;
    while (processAlive(pid) && Date.now() < until) await sleep(50);
    return !processAlive(pid);
  };
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  signal('SIGTERM');
  if (await gone(graceMs)) return;
  signal('SIGKILL');
  if (!(await gone(5_000))) throw new Error(`process ${pid} did not stop`);
}

/** The log's size now, to show only what a failed start wrote after it. */
export function logSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The last lines written to `path` since `from`, on one line. */
export function logTail(path: string, from: number, lines = 5): string {
  try {
    return readFileSync(path, 'utf8').slice(from).trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}
