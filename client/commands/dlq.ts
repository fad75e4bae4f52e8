// `llmbatch dlq list RUN_ID [--json]` and `llmbatch dlq replay RUN_ID [--retryable-only] [--id NEW_ID]
// [--wait] [--json]`: a finished run's dead letters, and a new run of the same spec over just
// those input lines (their original records, ids kept).
import { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { joinLocation, removeLocation, writeLocationText } from '../../activities/object-store/location';
import { filesQueueOption, taskQueueOption, workflowIdOption } from '../command-options';
import { resolveFilesQueue, warnIfNoFilesWorker } from '../files-queue';
import {
  findFinishedRun,
  readDeadLetters,
  replayRecords,
  replaySpec,
  summarizeDeadLetters,
  type DeadLetterSummary,
} from '../dead-letters';
import { defaultRunId, startRun } from '../start-run';
import { connectClient, webUiLink } from '../temporal-client';
import { endProblem, followToEnd } from '../wait-for-run';

const ReplayOptions = z.object({
  retryableOnly: z.boolean().optional(),
  id: workflowIdOption,
  wait: z.boolean().optional(),
  json: z.boolean().optional(),
  taskQueue: taskQueueOption,
  filesQueue: filesQueueOption,
});

function formatSummary(runId: string, file: string, s: DeadLetterSummary): string {
  if (s.total === 0) return `run ${runId} has no dead letters (${file})`;
  const lines = [
    `run ${runId}: ${s.total} dead letters (${s.retryable} retryable, ${s.notRetryable} not) in ${file}`,
    `  by kind: ${Object.entries(s.byKind)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ')}`,
    `  ${s.total > s.first.length ? `first ${s.first.length}` : 'lines'}:`,
  ];
  const idWidth = Math.min(24, Math.max(2, ...s.first.map((d) => String(d.id).length)));
  const lineWidth = Math.max(...s.first.map((d) => String(d.line).length));
  for (const d of s.first) {
    const reason = d.reason.length > 160 ? `${d.reason.slice(0, 157)}...` : d.reason;
    lines.push(
      `    ${String(d.id).padEnd(idWidth)}  line ${String(d.line).padStart(lineWidth)}  ${d.retryable ? ' ' : '!'} ${reason}`,
    );
  }
  if (s.notRetryable > 0) lines.push('  (! = not retryable: the provider refused the request itself)');
  lines.push(
    `replay them with: llmbatch dlq replay ${runId}${s.retryable > 0 && s.notRetryable > 0 ? ' [--retryable-only]' : ''}`,
  );
  return lines.join('\n');
}

function listCommand(): Command {
  return new Command('list')
    .description("a finished run's dead letters: how many, by kind, retryable or not, and the first 10 lines")
    .argument('<runId>')
    .option('--json', 'print one JSON object')
    .action(async (runId: string, options: { json?: boolean }) => {
      const { client, close } = await connectClient();
      try {
        const run = await findFinishedRun(client, runId);
        const summary = summarizeDeadLetters(await readDeadLetters(run.deadLetterFile));
        console.log(
          options.json
            ? JSON.stringify({ runId, file: run.deadLetterFile, ...summary })
            : formatSummary(runId, run.deadLetterFile, summary),
        );
      } finally {
        await close();
      }
    });
}

function replayCommand(): Command {
  return new Command('replay')
    .description(
      "start a new run of a finished run's spec over just its dead-lettered input lines (their original records, ids kept)",
    )
    .argument('<runId>')
    .option('--retryable-only', 'only the dead letters marked retryable')
    .option('--id <newRunId>', 'id of the new run (default: <name>-replay-<UTC timestamp>)')
    .option('--wait', 'show progress and wait for the report')
    .option('--json', 'print one JSON object (the report with --wait)')
    .option('--task-queue <name>', "task queue of the workers (default: the original run's)")
    .option(
      '--files-queue <name>',
      "task queue of the worker that sees the files: the replay's input and output (default: the original run's, else LLMBATCH_FILES_QUEUE)",
    )
    .action(async (runId: string, raw: unknown) => {
      const options = ReplayOptions.parse(raw);
      const { client, close, address } = await connectClient();
      try {
        const run = await findFinishedRun(client, runId);
        const all = await readDeadLetters(run.deadLetterFile);
        const chosen = options.retryableOnly ? all.filter((d) => d.retryable) : all;
        if (chosen.length === 0) {
          const why =
            all.length === 0
              ? `run ${runId} has no dead letters: nothing to replay`
              : `none of the ${all.length} dead letters of run ${runId} is retryable: nothing to replay (without --retryable-only they are all replayed)`;
          console.log(options.json ? JSON.stringify({ runId, replayed: 0, message: why }) : why);
          return;
        }
        const records = await replayRecords(run, chosen);
        const newRunId = options.id ?? defaultRunId(`${run.spec.name}-replay`);
        // Refused before the replay file is written, so that a used id never overwrites another replay's input.
        const inUse = await client.workflow
          .getHandle(newRunId)
          .describe()
          .then(
            () => true,
            (error: unknown) => {
              if (error instanceof WorkflowNotFoundError) return false;
              throw error;
            },
          );
        if (inUse)
          throw new Error(`run id "${newRunId}" is already in use (running or finished); choose another with --id`);
        // Next to the run's dead letters: in its folder, or in its bucket (then any worker reads it).
        const inputPath = joinLocation(run.outputDir, `replay-${newRunId}.jsonl`);
        const spec = replaySpec(run, inputPath, newRunId);
        await writeLocationText(inputPath, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
        const taskQueue = options.taskQueue ?? run.taskQueue;
        // The replay's input is written here, next to the run's dead letters: the machine whose
        // files worker wrote them, so its plan goes to the same files queue.
        const files = resolveFilesQueue(options.filesQueue, taskQueue, run.filesQueue);
        let handle;
        try {
          handle = await startRun(client, spec, { taskQueue, runId: newRunId, ...files });
        } catch (error) {
          await removeLocation(inputPath).catch(() => undefined);
          throw error;
        }
        const link = webUiLink(handle.workflowId, address);
        const started = {
          runId: handle.workflowId,
          webUi: link,
          replayOf: runId,
          replayed: records.length,
          input: inputPath,
          outputDir: spec.outputDir,
        };
        if (!options.json) {
          console.log(
            [
              `replaying ${records.length} dead letters of run ${runId}${options.retryableOnly ? ' (retryable only)' : ''}; items keep their ids (field "${run.spec.idField}")`,
              `  input  ${inputPath}`,
              `  output ${spec.outputDir}`,
              `started run ${handle.workflowId}`,
              `  Web UI ${link}`,
            ].join('\n'),
          );
        } else if (!options.wait) {
          console.log(JSON.stringify(started));
        }
        if (!options.wait) {
          await warnIfNoFilesWorker(client, files);
          return;
        }
        // The same following as `run --wait`: progress, Ctrl-C detaches, the report, the exit code.
        const end = await followToEnd(handle, { json: options.json, link, taskQueue, filesQueue: files.filesQueue });
        const problem = endProblem(end);
        if (problem) throw new Error(problem);
      } finally {
        await close();
      }
    });
}

export function dlqCommand(): Command {
  return new Command('dlq')
    .description("a finished run's dead letters: list them, or replay them as a new run")
    .addCommand(listCommand())
    .addCommand(replayCommand());
}
