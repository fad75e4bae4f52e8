// How long this process keeps the embedded server: while any of its stores on that folder is
// open. The last llmbatch process to close its store stops the server (SIGTERM of `dev` or a
// worker ends what it used); a process killed outright leaves the server to the others, and the
// next process finds it. A store whose server went away (stopped by another process, killed)
// starts or joins it again, so its next statement (an activity's retry) finds one.
import { Client } from 'pg';
import { openPostgres, type Sql } from '../sql';
import { startOrJoinServer, stopServer } from './server';

/** How often, and how far apart, a closing process looks for other users of the server. */
const LOOKS_AT_OTHERS = 4;
const LOOK_AGAIN_MS = 150;

/** Open stores of this process, per store folder. */
const openHere = new Map<string, number>();

/**
 * Whether other processes still use the server, asked on a connection of its own after this
 * process's pool closed. Other processes closing at the same moment name their asking connection
 * `llmbatch-closing/PID` and are not counted: when two close together, both stop it (a second stop
 * finds it stopping), rather than each leaving it to the other.
 */
async function othersConnected(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, application_name: `llmbatch-closing/${process.pid}` });
  try {
    await client.connect();
    // A process whose pool closed a moment ago is still listed until its backends exit: asked
    // again a few times, such leftovers are gone, while a process that goes on is still there.
    for (let look = 1; ; look++) {
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
         where backend_type = 'client backend' and pid <> pg_backend_pid()
           and coalesce(application_name, '') not like 'llmbatch-closing/%'`,
      );
      if (rows[0].n === 0) return false;
      if (look >= LOOKS_AT_OTHERS) return true;
      await new Promise((resolve) => setTimeout(resolve, LOOK_AGAIN_MS));
    }
  } catch {
    return false; // gone already (stopped by another process)
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function openEmbeddedSql(storeDir: string, log?: (line: string) => void): Promise<Sql> {
  const server = await startOrJoinServer(storeDir, log);
  let reviving: Promise<unknown> | undefined;
  let closed = false;
  const sql = await openPostgres(server.url, {
    // What this process's connections are called in pg_stat_activity.
    applicationName: `llmbatch/${process.pid}`,
    onServerGone: () => {
      if (closed) return; // a connection ending under close() is not a server to bring back
      reviving ??= startOrJoinServer(storeDir, log)
        .catch((error: Error) => log?.(`store: the server could not be started again: ${error.message}`))
        .finally(() => (reviving = undefined));
    },
  });
  openHere.set(server.storeDir, (openHere.get(server.storeDir) ?? 0) + 1);
  return {
    ...sql,
    close: async () => {
      if (closed) return;
      closed = true;
      // A revival still under way (its own connection counts as another user) ends first, so the
      // count below sees only other processes and a server it starts is stopped with the rest.
      await reviving;
      const left = (openHere.get(server.storeDir) ?? 1) - 1;
      if (left > 0) openHere.set(server.storeDir, left);
      else openHere.delete(server.storeDir);
      await sql.close();
      if (left === 0 && !(await othersConnected(server.url))) await stopServer(server.storeDir);
    },
  };
}
