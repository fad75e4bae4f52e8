// `llmbatch run SPEC [--wait] [--id RUN_ID] [--json]`
import { Command } from 'commander';
import { WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod';
import { rootMessage } from '../../common';
import { loadSpec } from '../spec-loader';
import { startRun } from '../start-run';
import { connectClient, webUiLink } from '../temporal-client';
import { failedRunReport, formatReport, waitForRun } from '../wait-for-run';
import { taskQueueFromEnv } from '../../workers/settings';

const RunOptions = z.object({
  wait: z.boolean().optional(),
  json: z.boolean().optional(),
  id: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.:-]{0,199}$/, '--id: use letters, digits, ".", "_", ":" or "-"')
    .optional(),
  taskQueue: z.string().min(1).optional(),
});

export function runCommand(): Command {
  return new Command('run')
    .description('start a run from a spec; --wait follows it to the end and prints the report')
    .argument('<spec>', 'run spec (YAML)')
    .option('--wait', 'show progress and wait for the report')
    .option('--id <runId>', 'run id (default: <name>-<UTC timestamp>)')
    .option('--json', 'print one JSON object (the report with --wait)')
    .option('--task-queue <name>', 'task queue of the workers (default: LLMBATCH_TASK_QUEUE or llmbatch)')
    .action(async (specPath: string, raw: unknown) => {
      const options = RunOptions.parse(raw);
      const spec = loadSpec(specPath);
      const { client, close, address } = await connectClient();
      try {
        const handle = await startRun(client, spec, {
          taskQueue: options.taskQueue ?? taskQueueFromEnv(),
          runId: options.id,
        });
        const link = webUiLink(handle.workflowId, address);
        if (!options.wait) {
          console.log(
            options.json
              ? JSON.stringify({ runId: handle.workflowId, webUi: link })
              : `started run ${handle.workflowId}\n  Web UI ${link}`,
          );
          return;
        }
        if (!options.json) console.log(`started run ${handle.workflowId}\n  Web UI ${link}`);
        try {
          const report = await waitForRun(handle, { show: !options.json });
          console.log(options.json ? JSON.stringify(report) : formatReport(report, link));
        } catch (error) {
          if (error instanceof WorkflowFailedError) {
            // A run that failed after planning still wrote its files: show its report first.
            const report = failedRunReport(error);
            if (report) console.log(options.json ? JSON.stringify(report) : formatReport(report, link));
            throw new Error(`run ${handle.workflowId} failed: ${rootMessage(error)}`);
          }
          throw error;
        }
      } finally {
        await close();
      }
    });
}
