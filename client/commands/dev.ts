// `llmbatch dev`: the embedded default (Temporal dev server, simulator, worker) until Ctrl-C.
import { Command } from 'commander';
import { loadLazily } from '../load-lazily';
import { loadProfileFile } from '../../simulator';

export function devCommand(): Command {
  return new Command('dev')
    .description(
      'start a Temporal dev server (persisted under .llmbatch/), the simulator and a worker; Ctrl-C stops them',
    )
    .option('--profile <file>', 'simulator profile (YAML or JSON)')
    .option('--simulator-port <port>', 'simulator port (default: a free one)', (v) => Number(v))
    .action(async (options: { profile?: string; simulatorPort?: number }) => {
      // Loaded only here (the whole stack: worker, store, simulator): other commands start faster.
      const { startEmbedded } = loadLazily<typeof import('../../dev/embedded')>('dev/embedded');
      const embedded = await startEmbedded({
        simulatorProfile: options.profile ? loadProfileFile(options.profile) : undefined,
        simulatorPort: options.simulatorPort,
      });
      console.log(`Temporal     ${embedded.temporal.address}`);
      console.log(`Web UI       ${embedded.temporal.uiUrl ?? '(headless)'}`);
      console.log(`simulator    ${embedded.simulator.url}`);
      if (embedded.webhooks) console.log(`webhooks     ${embedded.webhooks.url} (the simulator's batch events)`);
      if (embedded.codec) {
        const { server, token, generated } = embedded.codec;
        console.log(`codec server ${server.url} (payloads encrypted; the Web UI decodes through it)`);
        if (generated) console.log(`codec token  ${token} (set LLMBATCH_CODEC_TOKEN to choose it)`);
      }
      console.log(`worker       task queue "${embedded.taskQueue}"`);
      console.log('');
      console.log('In another terminal:');
      console.log(
        `  export TEMPORAL_ADDRESS=${embedded.temporal.address} LLMBATCH_SIMULATOR_URL=${embedded.simulator.url}`,
      );
      console.log('  npm run cli -- run examples/demo/spec.yaml --wait');
      console.log('Ctrl-C stops everything (runs persist in .llmbatch/).');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      console.log('stopping...');
      await embedded.stop();
    });
}
