// A test's store folder goes with its server: the server is stopped first (a worker process the
// test killed may have left it running), then the folder is removed. A store that lives elsewhere
// (another harness's, a DATABASE_URL) is left alone.
import { rmSync } from 'node:fs';
import { relative } from 'node:path';
import { isPostgresUrl, stopServer } from '../../store';

export async function removeStoreFolder(storeDir: string, folder: string = storeDir): Promise<void> {
  const inside = !isPostgresUrl(storeDir) && !relative(folder, storeDir).startsWith('..');
  if (inside) await stopServer(storeDir);
  rmSync(folder, { recursive: true, force: true });
}
