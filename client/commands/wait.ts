// `llmbatch wait RUN_ID [--json]`: reattaches to a run (after `run` without --wait, a Ctrl-C, another
// machine): progress until it ends, then the report; exit codes as `run --wait`.
import { Command } from 'commander';
import { connectClient, describeRun, webUiLink } from '../temporal-client';
import { endProblem, followToEnd, type RunHandle } from '../wait-for-run';
import { filesQueueOfRun } from '../files-queue';
import { WAIT_TIMEOUT_HELP, waitTimeoutOf } from '../command-options';

export function waitCommand(): Command {
  return new Command('wait')
    .description(
      'follow a run until it ends, then print its report; exit 0 when it completed, 1 when it failed or was cancelled (Ctrl-C detaches)',
    )
    .argument('<runId>')
    .option('--json', 'print one JSON object (the report)')
    .option('--wait-timeout <duration>', WAIT_TIMEOUT_HELP)
    .action(async (runId: string, options: { json?: boolean; waitTimeout?: string }) => {
      const waitTimeout = waitTimeoutOf(options.waitTimeout);
      const { client, close, address } = await connectClient();
      try {
        const description = await describeRun(client, runId, address);
        const handle: RunHandle = client.workflow.getHandle(runId);
        const link = webUiLink(runId, address);
        if (!options.json) {
          const state = description.status.name === 'RUNNING' ? 'waiting for' : 'already ended:';
          console.log(`${state} run ${runId}\n  Web UI ${link}`);
        }
        const end = await followToEnd(handle, {
          json: options.json,
          link,
          taskQueue: description.taskQueue,
          filesQueue: description.status.name === 'RUNNING' ? await filesQueueOfRun(client, runId) : undefined,
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
