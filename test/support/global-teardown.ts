import { rmSync } from 'node:fs';
import { dirname } from 'node:path';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__llmbatchTemporal?.stop();
  // The dev server's folder (its SQLite database and log) is the suite's own: nothing reads it after.
  const log = process.env.LLMBATCH_TEST_TEMPORAL_LOG;
  if (log) rmSync(dirname(log), { recursive: true, force: true });
}
