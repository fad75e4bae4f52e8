// `llmbatch budget RUN_ID --max-usd N`: the run's new cap by signal, then the cap and phase once the
// run shows it applied (a run its budget paused resumes when the new cap allows).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { RunProgress } from '../common';
import { progressQuery } from '../workflows';
import { budgetSignal } from '../workflows/signals';
import { formatUsd } from './estimate-format';
import { connectClient, describeRun } from './temporal-client';
import type { RunHandle } from './wait-for-run';

/** How long to wait for the run to show the new cap (a worker must process the signal). */
const APPLIED_WITHIN_MS = 10_000;
/** The cap before the change is only for the message: do not let a missing worker hold up the signal. */
const PREVIOUS_CAP_WITHIN_MS = 3000;

/** The run's progress, or undefined when no worker answers by `deadline`. */
function queryProgress(client: Client, handle: RunHandle, deadline: number): Promise<RunProgress | undefined> {
  return client.withDeadline(deadline, () => handle.query(progressQuery)).catch(() => undefined);
}

export function budgetChangeMessage(
  runId: string,
  maxUsd: number,
  before: RunProgress | undefined,
  after: RunProgress | undefined,
): string {
  if (after?.budget?.maxUsd !== maxUsd) {
    // Signals are kept in the run's history: the next worker applies it.
    return `run ${runId}: cap ${formatUsd(maxUsd)} sent; no worker has applied it yet (start one with \`llmbatch worker\`)`;
  }
  const previous = before?.budget?.maxUsd;
  const was = !before ? 'unknown' : previous === undefined ? 'none' : formatUsd(previous);
  const waiting = after.phase === 'paused:budget' && after.budget.reason ? ` (${after.budget.reason})` : '';
  return `run ${runId}: cap ${formatUsd(maxUsd)} (was ${was}); ${after.phase}${waiting}`;
}

export async function setRunBudget(runId: string, maxUsd: number, options: { json?: boolean }): Promise<void> {
  const { client, close, address } = await connectClient();
  try {
    const ended = (status: string) => new Error(`run ${runId} has ended (${status}); no cap to change`);
    const description = await describeRun(client, runId, address);
    if (description.status.name !== 'RUNNING') throw ended(description.status.name.toLowerCase());
    const handle: RunHandle = client.workflow.getHandle(runId);
    const before = await queryProgress(client, handle, Date.now() + PREVIOUS_CAP_WITHIN_MS);
    try {
      await handle.signal(budgetSignal, { maxUsd });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw ended((await describeRun(client, runId, address)).status.name.toLowerCase());
      }
      throw error;
    }
    const deadline = Date.now() + APPLIED_WITHIN_MS;
    let after: RunProgress | undefined;
    for (;;) {
      after = (await queryProgress(client, handle, deadline)) ?? after;
      if (after?.budget?.maxUsd === maxUsd || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const applied = after?.budget?.maxUsd === maxUsd;
    if (options.json) {
      console.log(
        JSON.stringify({
          runId,
          maxUsd,
          previousMaxUsd: before?.budget?.maxUsd,
          applied,
          phase: after?.phase,
          budget: after?.budget,
        }),
      );
    } else {
      console.log(budgetChangeMessage(runId, maxUsd, before, after));
    }
  } finally {
    await close();
  }
}
