// PostgreSQL refuses to run as root. When llmbatch runs as root (containers, CI), the embedded
// server runs as an unprivileged system user made for it; as any other user, as that user.
import { execFileSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { dirname, parse, resolve } from 'node:path';

export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

export const SERVER_USER = 'llmbatch';

function lookUp(name: string): ServerUser | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    return { name, uid, gid };
  } catch {
    return undefined;
  }
}

let chosen: ServerUser | undefined;

/** Undefined when this process is not root: the server then runs as this process's own user. */
export function serverUser(): ServerUser | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  if (chosen) return chosen;
  chosen = lookUp(SERVER_USER);
  if (!chosen) {
    try {
      execFileSync(
        'useradd',
        [
          '--system',
          '--user-group',
          '--no-create-home',
          '--home-dir',
          '/nonexistent',
          '--shell',
          '/usr/sbin/nologin',
          SERVER_USER,
        ],
        { stdio: 'ignore' },
      );
    } catch {
      // Another process made it at the same moment, or there is no useradd (BusyBox): looked up below.
    }
    chosen = lookUp(SERVER_USER) ?? lookUp('nobody');
  }
  if (!chosen)
    throw new Error(`running as root, the embedded store needs an unprivileged user: create "${SERVER_USER}"`);
  return chosen;
}

/** Whether `user` may enter the folder `path` (search permission). */
function canEnter(path: string, user: ServerUser): boolean {
  const { mode, uid, gid } = statSync(path);
  if (uid === user.uid) return (mode & 0o100) !== 0;
  if (gid === user.gid) return (mode & 0o010) !== 0;
  return (mode & 0o001) !== 0;
}

/**
 * Lets the server's user reach `path` through its parent folders: a folder it may not enter (a
 * 0700 /root or mktemp folder) gets search permission for others, never read or write. Answers the
 * folders changed, for the log.
 */
export function grantPassage(path: string, user: ServerUser): string[] {
  const changed: string[] = [];
  const { root } = parse(resolve(path));
  const chain: string[] = [];
  for (let folder = resolve(path); ; folder = dirname(folder)) {
    chain.unshift(folder);
    if (folder === root) break;
  }
  for (const folder of chain) {
    if (canEnter(folder, user)) continue;
    chmodSync(folder, statSync(folder).mode | 0o001);
    changed.push(folder);
  }
  return changed;
}
