// `llmbatch run SPEC [--wait] [--id RUN_ID] [--json]`
import { Command } from 'commander';
import { z } from 'zod';
import {
  FILES_QUEUE_HELP,
  filesQueueOption,
  taskQueueOption,
  WAIT_TIMEOUT_HELP,
  waitTimeoutOf,
  workflowIdOption,
} from '../command-options';
import { resolveFilesQueue, warnIfNoFilesWorker } from '../files-queue';
import { loadCheckedSpec } from '../input-check';
import { startRun } from '../start-run';
import { connectClient, webUiLink } from '../temporal-client';
import { endProblem, followToEnd } from '../wait-for-run';
import { processConfig } from '../../workers/settings';

const RunOptions = z.object({
  wait: z.boolean().optional(),
  json: z.boolean().optional(),
  id: workflowIdOption,
  taskQueue: taskQueueOption,
  filesQueue: filesQueueOption,
  waitTimeout: z.string().optional(),
});

export function runCommand(): Command {
  return new Command('run')
    .description('start a run from a spec; --wait follows it to the end and prints the report')
    .argument('<spec>', 'run spec (YAML)')
    .option('--wait', 'show progress and wait for the report (Ctrl-C detaches; the run goes on)')
    .option('--id <runId>', 'run id (default: <name>-<UTC timestamp>)')
    .option('--json', 'print one JSON object (the report with --wait)')
    .option('--task-queue <name>', 'task queue of the workers (default: LLMBATCH_TASK_QUEUE or llmbatch)')
    .option('--files-queue <name>', FILES_QUEUE_HELP)
    .option('--wait-timeout <duration>', WAIT_TIMEOUT_HELP)
    .action(async (specPath: string, raw: unknown) => {
      const options = RunOptions.parse(raw);
      const waitTimeout = waitTimeoutOf(options.waitTimeout);
      const spec = await loadCheckedSpec(specPath);
      const taskQueue = options.taskQueue ?? processConfig().taskQueue;
      const files = resolveFilesQueue(options.filesQueue, taskQueue);
      const { client, close, address } = await connectClient();
      try {
        const handle = await startRun(client, spec, { taskQueue, runId: options.id, ...files });
        const link = webUiLink(handle.workflowId, address);
        if (!options.wait) {
          await warnIfNoFilesWorker(client, files);
          console.log(
            options.json
              ? JSON.stringify({ runId: handle.workflowId, webUi: link })
              : `started run ${handle.workflowId}\n  Web UI ${link}`,
          );
          return;
        }
        if (!options.json) console.log(`started run ${handle.workflowId}\n  Web UI ${link}`);
        const end = await followToEnd(handle, {
          json: options.json,
          link,
          taskQueue,
          filesQueue: files.filesQueue,
          address,
          waitTimeout,
        });
        const problem = endProblem(end);
        if (problem) throw new Error(problem);
      } finally {
        await close();
      }
    });
}
