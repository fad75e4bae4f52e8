// One Temporal dev server for the integration tests (file-backed, our search attributes), on
// free ports so it never meets a developer's own server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../../dev/dev-server';
import { bundleOptions } from '../../workers/workflow-bundle';

declare global {
  var __llmbatchTemporal: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-temporal-'));
  // The workflow code, bundled once for every test file and every worker process they start
  // (webpack takes 2-3 s a time), the way a production worker takes a prebuilt bundle.
  const [server, bundle] = await Promise.all([
    startDevServer({
      port: 0,
      headless: true,
      dbFile: join(dir, 'temporal.db'),
      logFile: join(dir, 'temporal.log'),
    }),
    bundleWorkflowCode(bundleOptions()),
  ]);
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  process.env.LLMBATCH_WORKFLOW_BUNDLE = bundlePath;
  globalThis.__llmbatchTemporal = server;
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.LLMBATCH_TEST_TEMPORAL_LOG = join(dir, 'temporal.log');
}
