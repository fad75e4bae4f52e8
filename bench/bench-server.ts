// The Temporal dev server a bench starts for itself: headless, on a free port, its database and
// log in the bench's temp folder (so nothing of the developer's own server is touched).
import { join } from 'node:path';
import { startDevServer } from '../dev/dev-server';

export function startBenchDevServer(dir: string): ReturnType<typeof startDevServer> {
  return startDevServer({
    port: 0,
    headless: true,
    dbFile: join(dir, 'temporal', 'temporal.db'),
    logFile: join(dir, 'temporal', 'temporal.log'),
  });
}
