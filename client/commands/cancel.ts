// `llmbatch cancel RUN_ID [--no-wait] [--json]`: the same request as the Web UI's Request
// Cancellation. The run cancels its provider batches, keeps what they already answered, writes
// every file (the rest dead-lettered as `cancelled`) and ends as cancelled; by default this
// follows it there and prints the report.
import { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { connectClient, describeRun, webUiLink } from '../temporal-client';
import { endProblem, followToEnd, type RunHandle } from '../wait-for-run';
import { filesQueueOfRun } from '../files-queue';

export function cancelCommand(): Command {
  return new Command('cancel')
    .description(
      'cancel a run: its provider batches are cancelled, what they answered is kept, every file is written (the rest dead-lettered as cancelled); waits for the report unless --no-wait',
    )
    .argument('<runId>')
    .option('--no-wait', 'request the cancellation and return (follow it with `llmbatch wait`)')
    .option('--json', 'print one JSON object (the report, or the request with --no-wait)')
    .action(async (runId: string, options: { wait: boolean; json?: boolean }) => {
      const { client, close, address } = await connectClient();
      try {
        const ended = (status: string) => new Error(`run ${runId} already ended (${status}); nothing to cancel`);
        const description = await describeRun(client, runId, address);
        if (description.status.name !== 'RUNNING') throw ended(description.status.name.toLowerCase());
        const handle: RunHandle = client.workflow.getHandle(runId);
        try {
          await handle.cancel();
        } catch (error) {
          // It ended between the look and the request.
          if (error instanceof WorkflowNotFoundError) {
            throw ended((await describeRun(client, runId, address)).status.name.toLowerCase());
          }
          throw error;
        }
        const link = webUiLink(runId, address);
        if (!options.wait) {
          console.log(
            options.json
              ? JSON.stringify({ runId, cancelRequested: true, webUi: link })
              : `cancel requested for run ${runId}; it cancels its provider batches and writes its files\n  follow it with \`llmbatch wait ${runId}\``,
          );
          return;
        }
        if (!options.json) {
          console.log(
            `cancelling run ${runId}: its provider batches are cancelled, what they answered is kept\n  Web UI ${link}`,
          );
        }
        // Without a worker nothing is cancelled (the run must stop its own batches): say so, as `wait` does.
        // The files too: a cancelled run still writes every file, on its files worker.
        const end = await followToEnd(handle, {
          json: options.json,
          link,
          taskQueue: description.taskQueue,
          filesQueue: await filesQueueOfRun(client, runId),
        });
        if (end.status === 'cancelled') return;
        throw new Error(
          end.status === 'completed'
            ? `run ${runId} completed before the cancellation took effect`
            : (endProblem(end) ?? `run ${runId} ended ${end.status}`),
        );
      } finally {
        await close();
      }
    });
}
