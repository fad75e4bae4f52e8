// `pause` and `resume`: a signal to the run, then its phase once the run shows the signal applied.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { RunProgress } from '../common';
import { progressQuery } from '../workflows';
import { pauseSignal, resumeSignal } from '../workflows/signals';
import { connectClient, describeRun } from './temporal-client';
import type { RunHandle } from './wait-for-run';

/** How long to wait for the run to show the signal (a worker must process it). */
const APPLIED_WITHIN_MS = 10_000;

export async function signalRun(runId: string, action: 'pause' | 'resume', options: { json?: boolean }): Promise<void> {
  const { client, close, address } = await connectClient();
  try {
    const closed = (status: string) => new Error(`run ${runId} has ended (${status}); nothing to ${action}`);
    const description = await describeRun(client, runId, address);
    if (description.status.name !== 'RUNNING') throw closed(description.status.name.toLowerCase());
    const handle: RunHandle = client.workflow.getHandle(runId);
    try {
      if (action === 'pause') await handle.signal(pauseSignal, { reason: 'llmbatch pause' });
      else await handle.signal(resumeSignal);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw closed((await describeRun(client, runId, address)).status.name.toLowerCase());
      }
      throw error;
    }
    const wanted = action === 'pause';
    const deadline = Date.now() + APPLIED_WITHIN_MS;
    let progress: RunProgress | undefined;
    for (;;) {
      progress = await handle.query(progressQuery).catch(() => undefined);
      if (progress?.paused === wanted || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (options.json) {
      console.log(JSON.stringify({ runId, signal: action, phase: progress?.phase, paused: progress?.paused }));
    } else if (!progress || progress.paused !== wanted) {
      // Signals are kept in the run's history: the next worker applies it.
      console.log(`run ${runId}: ${action} sent; no worker has applied it yet (start one with \`llmbatch worker\`)`);
    } else {
      const note = wanted && progress.phase !== 'paused' ? ' (paused: nothing new starts)' : '';
      console.log(`run ${runId}: ${progress.phase}${note}`);
    }
  } finally {
    await close();
  }
}
