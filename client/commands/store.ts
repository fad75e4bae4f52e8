// `llmbatch store status|stop [--dir DIR]`: the embedded PostgreSQL server of a store folder
// (LLMBATCH_STORE_DIR). Every process on the folder starts or joins it by itself, and the last one
// to close stops it; `stop` ends one left behind (its starter was killed) or stops it on purpose.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { serverState, stopServer } from '../../store';
import { processConfig } from '../../workers/settings';

function folderOf(dir: string | undefined): string {
  return resolve(dir ?? processConfig().store.dir);
}

const dirOption = ['--dir <path>', 'the store folder (default: LLMBATCH_STORE_DIR, else .llmbatch/store)'] as const;

export function storeCommand(): Command {
  const store = new Command('store').description("the embedded store's PostgreSQL server (when DATABASE_URL is unset)");
  store
    .command('status')
    .description("whether the folder's server runs, its pid and port")
    .option(...dirOption)
    .action((options: { dir?: string }) => {
      const folder = folderOf(options.dir);
      const state = serverState(folder);
      console.log(
        state
          ? `store server of ${folder}: running (pid ${state.pid}, 127.0.0.1:${state.port}, ${state.status})`
          : `store server of ${folder}: not running`,
      );
    });
  store
    .command('stop')
    .description("stop the folder's server; workers still using it lose their store until one starts it again")
    .option(...dirOption)
    .action(async (options: { dir?: string }) => {
      const folder = folderOf(options.dir);
      const pid = await stopServer(folder);
      console.log(pid ? `store server of ${folder} (pid ${pid}) stopped` : `store server of ${folder}: not running`);
    });
  return store;
}
