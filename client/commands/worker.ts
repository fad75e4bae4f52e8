// `llmbatch worker [--files-queue NAME]`: a worker against TEMPORAL_ADDRESS (see workers/main.ts for its settings).
import { Command } from 'commander';
import { loadLazily } from '../load-lazily';
import { z } from 'zod';
import { filesQueueOption } from '../command-options';

const WorkerOptions = z.object({ filesQueue: filesQueueOption });

export function workerCommand(): Command {
  return new Command('worker')
    .description(
      'run a worker against TEMPORAL_ADDRESS (task queue LLMBATCH_TASK_QUEUE, store DATABASE_URL or LLMBATCH_STORE_DIR)',
    )
    .option(
      '--files-queue <name>',
      'also poll this task queue for the activities that read the input and write the output files (plan, finalize): give it on the machine that has them, and the same name to `run --files-queue` (default: LLMBATCH_FILES_QUEUE, else none)',
    )
    .action(async (raw: unknown) => {
      const options = WorkerOptions.parse(raw);
      // Loaded only here: the worker brings every activity, SDK and the tokenizer, which the other
      // commands do not need (each CLI call starts faster).
      const { runWorker } = loadLazily<typeof import('../../workers/main')>('workers/main');
      await runWorker({ filesQueue: options.filesQueue });
    });
}
