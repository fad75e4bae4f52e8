// A process that holds a store folder open, as `dev` or a worker does: prints one JSON line (the
// server's pid) when the store is open, writes a row when told (a line on stdin), and closes
// the store on SIGTERM. Run by tsx: `node --require tsx/cjs test/support/store-holder.ts FOLDER`.
import { openStore, serverState } from '../../store';

async function main(folder: string): Promise<void> {
  const store = await openStore(folder);
  console.log(JSON.stringify({ ready: true, pid: serverState(folder)?.pid }));
  process.stdin.on('data', (line) => {
    void store.sql
      .query('insert into runs (run_id, temporal_run_id) values ($1, $2)', [
        line.toString().trim(),
        String(process.pid),
      ])
      .then(() => console.log(JSON.stringify({ wrote: line.toString().trim() })));
  });
  process.once('SIGTERM', () => {
    void store.sql.close().then(() => process.exit(0));
  });
}

main(process.argv[2]).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
