// .llmbatch/dev-server.json: which Temporal dev server `dev` (or the demo) started and where its
// Web UI is, so `status`, `wait` and `run` in other terminals link to the right UI (its port may
// not be 8233). Written and removed by the embedded stack, read by the CLI.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface DevServerInfo {
  address: string;
  uiUrl?: string;
}

export function devServerInfoPath(stateDir = '.llmbatch'): string {
  return join(resolve(stateDir), 'dev-server.json');
}

export function writeDevServerInfo(stateDir: string, info: DevServerInfo): void {
  writeFileSync(devServerInfoPath(stateDir), `${JSON.stringify(info)}\n`);
}

/** Removes the file when it still describes `address` (a newer `dev` may have written its own). */
export function removeDevServerInfo(stateDir: string, address: string): void {
  if (readDevServerInfo(stateDir)?.address === address) rmSync(devServerInfoPath(stateDir), { force: true });
}

export function readDevServerInfo(stateDir = '.llmbatch'): DevServerInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(devServerInfoPath(stateDir), 'utf8')) as Partial<DevServerInfo>;
    return typeof info.address === 'string' ? { address: info.address, uiUrl: info.uiUrl } : undefined;
  } catch {
    return undefined;
  }
}
