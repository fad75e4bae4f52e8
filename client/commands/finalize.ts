// `llmbatch finalize RUN [--output DIR]`: a run waiting in phase finalize-failed writes its outputs
// again from the store, now, to DIR when given. A signal to the waiting workflow (not a write by the
// CLI itself): the run stays the one place that accounts for its files and ends as usual, with its
// report, so `wait`, `status` and the Web UI see the same end. No provider is called.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { isObjectUrl } from '../../common/input-format';
import { progressQuery } from '../../workflows/progress';
import { finalizeSignal } from '../../workflows/signals';
import { connectClient, describeRun, webUiLink } from '../temporal-client';
import { endProblem, followToEnd, type RunHandle } from '../wait-for-run';

export function finalizeCommand(): Command {
  return new Command('finalize')
    .description(
      'write the outputs of a run waiting in phase finalize-failed again, from the store (no provider is called), and wait for its report',
    )
    .argument('<runId>')
    .option(
      '--output <dir>',
      'write them here instead of the run output.dir (a folder on the files worker, s3:// or gs://)',
    )
    .option('--json', 'print one JSON object (the report)')
    .action(async (runId: string, options: { output?: string; json?: boolean }) => {
      const { client, close, address } = await connectClient();
      try {
        const description = await describeRun(client, runId, address);
        if (description.status.name !== 'RUNNING')
          throw new Error(
            `run ${runId} has ended (${description.status.name.toLowerCase()}): its outputs were written; finalize is for a run waiting in phase finalize-failed`,
          );
        const handle: RunHandle = client.workflow.getHandle(runId);
        const progress = await handle.query(progressQuery);
        if (progress.phase !== 'finalize-failed')
          throw new Error(
            `run ${runId} is in phase ${progress.phase}, not finalize-failed: it writes its outputs when it ends`,
          );
        const outputDir = options.output && !isObjectUrl(options.output) ? resolve(options.output) : options.output;
        await handle.signal(finalizeSignal, { outputDir });
        if (!options.json) console.log(`run ${runId}: writing the outputs again to ${outputDir ?? progress.outputDir}`);
        const again = await failedAgain(handle, progress.finalizeProblem);
        if (again) throw new Error(`run ${runId} is still in phase finalize-failed: ${again}`);
        const end = await followToEnd(handle, {
          json: options.json,
          link: webUiLink(runId, address),
          taskQueue: description.taskQueue,
          address,
        });
        const problem = endProblem(end);
        if (problem) throw new Error(problem);
      } finally {
        await close();
      }
    });
}

/**
 * Waits until the run has tried again: undefined once it has ended (written), or the reason when
 * it went back to finalize-failed (the new place could not be written either; the run waits on).
 */
async function failedAgain(handle: RunHandle, before: string | undefined): Promise<string | undefined> {
  let left = false;
  for (;;) {
    const described = await handle.describe();
    if (described.status.name !== 'RUNNING') return undefined;
    const p = await handle.query(progressQuery).catch(() => undefined);
    if (p && p.phase !== 'finalize-failed') left = true;
    // Back in finalize-failed after leaving it, or with another reason: this attempt failed.
    else if (p && (left || p.finalizeProblem !== before)) return p.finalizeProblem;
    await new Promise((r) => setTimeout(r, 250));
  }
}
