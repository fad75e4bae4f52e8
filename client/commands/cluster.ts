// `llmbatch cluster up|status|restart-server|down [--dir DIR]`: a real Temporal server on
// PostgreSQL with its Web UI, started on this machine (see dev/cluster/). `up` prints the
// environment to use, one variable a line, on stdout (what it does goes to stderr), so
// `export $(llmbatch cluster up)` works.
import { Command } from 'commander';
import { clusterDown, clusterStatus, clusterUp, DEFAULT_CLUSTER_DIR, restartServer } from '../../dev/cluster/cluster';
import { environmentLines } from '../../dev/cluster/state';

const dirOption = [
  '--dir <path>',
  `the cluster's folder: data, configs, logs, state (default: ${DEFAULT_CLUSTER_DIR})`,
] as const;
const say = (line: string) => console.error(line);

export function clusterCommand(): Command {
  const cluster = new Command('cluster').description(
    'a Temporal server on PostgreSQL with its Web UI on this machine (built with Go the first time), for workers on many machines',
  );
  cluster
    .command('up')
    .description(
      'start the cluster (or what of it is not running) and print TEMPORAL_ADDRESS, DATABASE_URL, TEMPORAL_UI_URL',
    )
    .option(...dirOption)
    .action(async (options: { dir?: string }) => {
      const state = await clusterUp(options.dir ?? DEFAULT_CLUSTER_DIR, say);
      console.log(environmentLines(state).join('\n'));
    });
  cluster
    .command('status')
    .description("whether the cluster's server, Web UI and PostgreSQL run, and the environment to use")
    .option(...dirOption)
    .option('--json', 'print one JSON object')
    .action((options: { dir?: string; json?: boolean }) => {
      const { state, server, ui, postgres } = clusterStatus(options.dir ?? DEFAULT_CLUSTER_DIR);
      if (options.json) {
        console.log(JSON.stringify({ server, ui, postgres: postgres !== undefined, ...state }));
        return;
      }
      const running = (up: boolean, pid?: number) => (up ? `running (pid ${pid})` : 'stopped');
      console.log(
        `Temporal server ${state.serverVersion}: ${running(server, state.serverPid)}, ${state.temporalAddress}`,
      );
      console.log(`Web UI: ${running(ui, state.uiPid)}, ${state.uiUrl}`);
      console.log(`PostgreSQL: ${running(postgres !== undefined, postgres?.pid)}, ${state.postgresDir}`);
      console.log(environmentLines(state).join('\n'));
    });
  cluster
    .command('restart-server')
    .description('stop the Temporal server and start it again on the same ports (workers and `run --wait` ride it out)')
    .option(...dirOption)
    .action(async (options: { dir?: string }) => {
      await restartServer(options.dir ?? DEFAULT_CLUSTER_DIR, say);
    });
  cluster
    .command('down')
    .description('stop the Web UI, the Temporal server and PostgreSQL, in that order (the data stays in the folder)')
    .option(...dirOption)
    .action(async (options: { dir?: string }) => {
      await clusterDown(options.dir ?? DEFAULT_CLUSTER_DIR, say);
    });
  return cluster;
}
