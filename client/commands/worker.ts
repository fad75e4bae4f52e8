// `llmbatch worker`: a worker against TEMPORAL_ADDRESS (see workers/main.ts for its settings).
import { Command } from 'commander';
import { runWorker } from '../../workers/main';

export function workerCommand(): Command {
  return new Command('worker')
    .description('run a worker against TEMPORAL_ADDRESS (task queue LLMBATCH_TASK_QUEUE, store LLMBATCH_STORE_DIR)')
    .action(async () => {
      await runWorker();
    });
}
