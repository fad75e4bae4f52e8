// `llmbatch estimate SPEC [--compare] [--sample N] [--json] [--id ID] [--task-queue NAME]`: what a
// run of the spec would send and cost, planned by a worker exactly as a run plans (same reader,
// templates, dedup, cache lookup, tokenizer) and nothing submitted; `--sample N` really runs N items
// through sync calls to measure the output side.
import { Command } from 'commander';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod';
import { FILES_QUEUE_HELP, filesQueueOption, taskQueueOption, workflowIdOption } from '../command-options';
import { rootMessage, type EstimateReport } from '../../common';
import { estimateWorkflow } from '../../workflows';
import { processConfig } from '../../workers/settings';
import { formatEstimate } from '../estimate-format';
import { loadCheckedSpec } from '../input-check';
import { defaultRunId } from '../start-run';
import { connectClient } from '../temporal-client';
import { warnWhileNoWorker } from '../wait-for-run';
import { noFilesWorkerMessage, resolveFilesQueue } from '../files-queue';

const EstimateOptions = z.object({
  compare: z.boolean().optional(),
  sample: z.coerce
    .number({ error: '--sample must be a number of items' })
    .int('--sample must be a positive whole number of items')
    .positive('--sample must be a positive whole number of items')
    .optional(),
  json: z.boolean().optional(),
  id: workflowIdOption,
  taskQueue: taskQueueOption,
  filesQueue: filesQueueOption,
});

/** How long the estimate may wait without a worker polling its task queue before we say so. */
const NO_WORKER_WARNING_MS = 5000;

export function noWorkerForEstimateMessage(taskQueue: string): string {
  return `no worker has picked this up yet (task queue "${taskQueue}"); start one with \`llmbatch worker\` (or \`llmbatch dev\`)`;
}

export function estimateCommand(): Command {
  return new Command('estimate')
    .description(
      'pre-flight tokens and cost of a spec, nothing submitted: input counted by a real tokenizer, output as a range, duplicates and cache hits, batch vs sync cost',
    )
    .argument('<spec>', 'run spec (YAML)')
    .option('--compare', 'price the same requests with every model of the pricing table')
    .option(
      '--sample <n>',
      'really run N random unique items through sync calls (this spends money) and extrapolate their output',
    )
    .option('--json', 'print one JSON object (the estimate)')
    .option('--id <id>', 'workflow id of the estimate (default: estimate-<name>-<UTC timestamp>)')
    .option('--task-queue <name>', 'task queue of the workers (default: LLMBATCH_TASK_QUEUE or llmbatch)')
    .option('--files-queue <name>', FILES_QUEUE_HELP)
    .action(async (specPath: string, raw: unknown) => {
      const options = EstimateOptions.parse(raw);
      const spec = await loadCheckedSpec(specPath);
      const taskQueue = options.taskQueue ?? processConfig().taskQueue;
      const files = resolveFilesQueue(options.filesQueue, taskQueue);
      const { client, close } = await connectClient();
      try {
        const workflowId = options.id ?? defaultRunId(`estimate-${spec.name}`);
        if (options.sample) {
          process.stderr.write(
            `running a sample of ${options.sample} items through sync calls (this spends real money on a real provider)\n`,
          );
        }
        let handle;
        try {
          handle = await client.workflow.start(estimateWorkflow, {
            workflowId,
            taskQueue,
            args: [{ spec, sample: options.sample, compare: options.compare, ...files }],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            staticSummary: `estimate of ${spec.name}`.slice(0, 200),
            staticDetails: [
              `**Provider** ${spec.provider} · **model** ${spec.model} · **mode** ${spec.mode}`,
              `**Input** \`${spec.inputPath}\`${options.sample ? ` · **sample** ${options.sample} items` : ''}`,
              `**Spec** \`${spec.specPath}\``,
            ].join('\n\n'),
          });
        } catch (error) {
          if (error instanceof WorkflowExecutionAlreadyStartedError) {
            throw new Error(
              `estimate id "${workflowId}" is already in use (running or finished); choose another with --id`,
            );
          }
          throw error;
        }

        // Ctrl-C: nobody will read this estimate, so stop it (and the sample it may be spending on)
        // rather than leave it running; a second Ctrl-C leaves at once.
        let interrupted = false;
        const started = handle;
        const onInterrupt = () => {
          if (interrupted) process.exit(130);
          interrupted = true;
          process.stderr.write(`stopping estimate ${workflowId}\n`);
          void client
            .withDeadline(Date.now() + 5000, () => started.cancel())
            .then(
              () => process.stderr.write(`estimate ${workflowId} cancelled\n`),
              (error: unknown) =>
                process.stderr.write(
                  `could not cancel estimate ${workflowId} (${rootMessage(error)}); it goes on: \`temporal workflow cancel -w ${workflowId}\`\n`,
                ),
            )
            .finally(() => process.exit(130));
        };
        process.on('SIGINT', onInterrupt);

        const result = handle.result();
        const ended = result.then(
          () => undefined,
          () => undefined,
        );
        const { filesQueue } = files;
        const watcher = Promise.all([
          warnWhileNoWorker(
            client,
            () => Promise.resolve(taskQueue),
            NO_WORKER_WARNING_MS,
            noWorkerForEstimateMessage,
            ended,
          ),
          filesQueue &&
            warnWhileNoWorker(
              client,
              () => Promise.resolve(filesQueue),
              NO_WORKER_WARNING_MS,
              noFilesWorkerMessage,
              ended,
              'activity',
            ),
        ]);
        let report: EstimateReport;
        try {
          report = await result;
        } catch (error) {
          if (error instanceof WorkflowFailedError) throw new Error(`estimate failed: ${rootMessage(error)}`);
          throw error;
        } finally {
          await watcher;
          process.off('SIGINT', onInterrupt);
        }

        if (options.json) {
          console.log(JSON.stringify(report));
          return;
        }
        console.log(formatEstimate(report, spec.name));
        if (options.sample && !report.sample) {
          console.log('  no sample ran: no request is left to send (every one is a duplicate or a cache hit)');
        }
      } finally {
        await close();
      }
    });
}
