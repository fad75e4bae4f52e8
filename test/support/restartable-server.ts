// A Temporal dev server of a test's own that can be stopped and started again on the same port and
// db file, as a restart in production would: what was running goes on where it was.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../../dev/dev-server';

export interface RestartableServer {
  /** host:port, the same across restarts. */
  readonly address: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function restartableServer(): RestartableServer {
  const dbDir = mkdtempSync(join(tmpdir(), 'llmbatch-restart-'));
  let server: DevServer | undefined;
  let port = 0;
  return {
    get address() {
      if (!server) throw new Error('the server was never started');
      return server.address;
    },
    async start() {
      server = await startDevServer({
        port,
        headless: true,
        dbFile: join(dbDir, 'temporal.db'),
        logFile: join(dbDir, 'temporal.log'),
      });
      port = Number(server.address.split(':')[1]);
    },
    async stop() {
      await server?.stop();
    },
  };
}
