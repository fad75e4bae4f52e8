// Waiting on one provider batch until it ends: polls (Temporal's infrequent-polling pattern), cut
// short by a webhook's word, with an overdue alarm.
import { CancellationScope, condition, isCancellation, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { pollProfile } from '../activity-profiles';
import { LlmPhase } from '../search-attributes';
import { lookNow, type Batch } from './proxies';
import { readable, type ChunkState } from './state';
import { alert } from './tell';

/**
 * Polls a batch until it ends, or until a webhook says it ended: then the poll (most likely sitting
 * in its retry backoff, which may be minutes) is cancelled and the batch looked at right away, in
 * the workflow task that took the signal (webhookLookProfile); should the provider not agree yet,
 * the chunk polls again. Without webhooks nothing changes: polling is the fallback. The polls
 * give up after `windowMs` (the activity's schedule-to-close). With `alarm`, if the batch is still
 * unfinished after poll.alertAfter, alerts once and keeps waiting.
 */
export async function watchBatch(
  state: ChunkState,
  strike: number,
  batchId: string,
  windowMs: number,
  alarm: boolean,
): Promise<Batch> {
  const { runId, chunk, label, ended } = state;
  const look = (summary: string) =>
    state.poll.pollBatch.executeWithOptions({ ...pollProfile(state.spec.poll, windowMs), summary }, [
      { runId, chunk, strike, batchId, spec: state.spec },
    ]);
  const watch = new CancellationScope();
  // Told already (the webhook came before the submit's result reached the chunk): one look will do.
  const polling = ended.includes(batchId)
    ? undefined
    : watch.run(() => look(`wait for batch ${batchId} (${label}, strike ${strike})`));
  const told = watch.run(() => condition(() => ended.includes(batchId)));
  // Both are cancelled once the wait is over; their rejections then are expected, not errors.
  void polling?.catch(() => undefined);
  void told.catch(() => undefined);
  const timer = new CancellationScope();
  const overdue = alarm ? ringWhenOverdue(state, timer, strike, batchId) : { ringing: Promise.resolve() };
  try {
    const polled = polling && (await Promise.race([polling, told]));
    if (polled) return polled;
    watch.cancel();
    try {
      return await lookNow.pollBatch({ runId, chunk, strike, batchId, spec: state.spec });
    } catch (error) {
      if (isCancellation(error)) throw error;
      return await look(`wait for batch ${batchId} (${label}, strike ${strike}): a webhook says it ended`);
    }
  } finally {
    watch.cancel();
    timer.cancel();
    await overdue.ringing;
    await overdue.alerted;
  }
}

/**
 * The overdue alarm, in `timer`'s scope: if the batch is still unfinished after poll.alertAfter,
 * shows it (phase alert:batch-overdue) and alerts once. `ringing` settles when the alarm rang or was
 * cancelled; `alerted`, once set, when the alert is delivered or given up.
 */
function ringWhenOverdue(
  state: ChunkState,
  timer: CancellationScope,
  strike: number,
  batchId: string,
): { ringing: Promise<void>; alerted?: Promise<void> } {
  const { label } = state;
  const alertAfterMs = state.spec.poll.alertAfterMs;
  const overdue: { ringing: Promise<void>; alerted?: Promise<void> } = { ringing: Promise.resolve() };
  overdue.ringing = timer
    .run(() =>
      sleep(alertAfterMs, {
        summary: `overdue alarm: batch ${batchId} after ${readable(alertAfterMs)}`,
      }),
    )
    .then(
      () => {
        upsertSearchAttributes([{ key: LlmPhase, value: 'alert:batch-overdue' }]);
        const message = `batch ${batchId} of ${label} (strike ${strike}) is unfinished after ${state.spec.poll.alertAfterMs} ms`;
        // Not in the alarm's scope: the wait may end (and cancel that scope) while the alert is on its way.
        overdue.alerted = CancellationScope.nonCancellable(() =>
          alert(state, 'batch-overdue', message, { strike, batchId }),
        );
      },
      () => undefined,
    );
  return overdue;
}
