// One Temporal dev server for the integration tests (file-backed, our search attributes), on
// free ports so it never meets a developer's own server.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../../dev/dev-server';

declare global {
  var __llmbatchTemporal: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-temporal-'));
  const server = await startDevServer({
    port: 0,
    headless: true,
    dbFile: join(dir, 'temporal.db'),
    logFile: join(dir, 'temporal.log'),
  });
  globalThis.__llmbatchTemporal = server;
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.LLMBATCH_TEST_TEMPORAL_LOG = join(dir, 'temporal.log');
}
