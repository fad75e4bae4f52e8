// PostgreSQL's own record of a running server: <data folder>/postmaster.pid, written by the server
// at start and removed at a clean stop. Its lines: pid, data folder, start time, port, socket
// folder, listen address, shared memory key, status (starting | ready | stopping).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PostmasterRecord {
  pid: number;
  port: number;
  status: string;
}

export function parsePostmasterPid(text: string): PostmasterRecord | undefined {
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  return { pid, port, status: (lines[7] ?? '').trim() };
}

export function readPostmasterPid(dataDir: string): PostmasterRecord | undefined {
  try {
    return parsePostmasterPid(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8'));
  } catch {
    return undefined; // no server, or a file cut short while it is written
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user (the server's, when this is root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
