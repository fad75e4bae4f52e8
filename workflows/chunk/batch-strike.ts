// A batch strike (strike 1 for the whole chunk, strike 2 for the retry set): reserve, take a slot,
// submit, wait within the deadlines (stopping a batch past them), resubmit a batch that failed
// whole, collect, give back the slot and settle the spend.
import { log, sleep } from '@temporalio/workflow';
import { withAuthWait } from './auth-wait';
import { stopBatch, type StopReason } from './batch-stop';
import { NOT_STARTED, PAST_DEADLINE, waitForBatch } from './batch-wait';
import { reserve, settle } from './budget';
import { collect, type Collected } from './collect';
import { unlessPaused } from './controls';
import { FailedOver, failOver, orFailOver } from './failover';
import { calls, type Batch } from './proxies';
import { releaseSlot, takeSlot } from './slots';
import { enter, readable, type ChunkState } from './state';
import { syncRound } from './sync-round';

/** One submission of a strike's batch: the how-many-th for the strike, of how many requests, at which model. */
interface Submission {
  strike: number;
  pending: number;
  model: string;
  attempt: number;
}

/**
 * One batch strike. A batch that failed as a whole (the provider answered none of it) is a
 * batch-level failure, not the items': it is submitted again for the same strike, up to
 * retry.failedBatchResubmits times, before its items move on to the next strike. The reservation
 * stands for the resubmission (a failed batch bills nothing).
 */
export async function batchStrike(state: ChunkState, strike: 1 | 2, pending: number): Promise<void> {
  for (;;) {
    // A chunk that failed over to a sync entry calls what is left through the sync lane.
    if (state.spec.mode === 'sync') return syncRound(state, strike, pending);
    // Below the provider's record minimum (Bedrock's 100) a batch would be refused: the sync lane
    // answers these few instead. Runs started before the limit existed carry none, and replay as before.
    if (pending < (state.spec.limits.batchMinRecords ?? 0)) return syncRound(state, strike, pending);
    try {
      return await batchStrikeHere(state, strike, pending);
    } catch (error) {
      if (!(error instanceof FailedOver)) throw error;
    }
  }
}

/** One batch strike on the chunk's current provider. */
async function batchStrikeHere(state: ChunkState, strike: 1 | 2, pending: number): Promise<void> {
  await unlessPaused(state);
  enter(state, 'submitting');
  const model = await reserve(state, strike, 'batch');
  await takeSlot(state, strike, model);
  for (let attempt = 1; ; attempt++) {
    const waited = await submitAndWait(state, { strike, pending, model, attempt });
    if (!waited) {
      await releaseSlot(state, strike); // nothing was pending after all: no batch holds the room
      return;
    }
    const { batch, batchId } = waited;
    if (batch.status === 'failed' && batch.counts.completed === 0 && attempt <= state.spec.retry.failedBatchResubmits) {
      await backOffToResubmit(state, waited, attempt);
      continue;
    }
    await collect(state, waited);
    state.inFlight = undefined;
    await releaseSlot(state, strike);
    await settle(state, strike, model);
    // A provider that did not start the batch is not given the next strike when another is there.
    if (waited.stopped === 'stalled' && state.failovers.length > 0)
      await failOver(
        state,
        strike,
        `its batch ${batchId} had not started after poll.startDeadline (${state.startDeadline})`,
      );
    return;
  }
}

/**
 * Submits the strike's batch and waits for it to end, stopping it past its deadline or start
 * deadline. Answers nothing when nothing was pending after all (no batch was made).
 */
async function submitAndWait(state: ChunkState, submission: Submission): Promise<Collected | undefined> {
  const { strike, model } = submission;
  const batchId = await submit(state, submission);
  if (!batchId) return undefined;
  state.batches++;
  state.inFlight = { strike, batchId, model };
  enter(state, 'waiting');
  // Measured from here, in workflow time: the batch exists now (submit looks for it by key first).
  const deadlineAt = Date.now() + state.spec.poll.deadlineMs;
  const startDeadlineAt = Date.now() + state.spec.poll.startDeadlineMs;
  const waited = await withAuthWait(state, () => waitForBatch(state, strike, batchId, deadlineAt, startDeadlineAt));
  const stopped: StopReason | undefined =
    waited === PAST_DEADLINE ? 'deadline' : waited === NOT_STARTED ? 'stalled' : undefined;
  const batch = stopped ? await stopBatch(state, strike, batchId, stopped) : (waited as Batch);
  return { strike, model, batchId, batch, stopped };
}

/** Creates the strike's batch at the provider (once per idempotency key), failing over when it will not. */
async function submit(state: ChunkState, { strike, pending, model, attempt }: Submission): Promise<string | undefined> {
  const { runId, chunk, label } = state;
  const submitted = await withAuthWait(state, () =>
    orFailOver(state, strike, (bounded) =>
      calls.submitBatch.executeWithOptions(
        {
          ...state.profiles.call,
          ...(bounded.scheduleToCloseTimeout ? { scheduleToCloseTimeout: bounded.scheduleToCloseTimeout } : {}),
          summary: `submit ${label} strike ${strike}${attempt > 1 ? ` again (attempt ${attempt})` : ''} (${pending} requests, ${model} at ${state.spec.provider})`,
        },
        [{ runId, chunk, strike, spec: state.spec, model, attempt, createBefore: bounded.createBefore }],
      ),
    ),
  );
  return submitted.batchId;
}

/** The batch failed as a whole: wait (strike 2's delay times the attempt), then submit it again. */
async function backOffToResubmit(state: ChunkState, { strike, batchId, batch }: Collected, attempt: number) {
  state.inFlight = undefined;
  log.warn('the batch failed as a whole: submitting it again for the same strike', {
    chunk: state.chunk,
    strike,
    batchId,
    attempt,
    errors: batch.errors.slice(0, 3),
  });
  const waitMs = state.spec.retry.strike2DelayMs * attempt;
  enter(state, 'backing-off');
  if (waitMs > 0) await sleep(waitMs, { summary: `batch ${batchId} failed: submit it again in ${readable(waitMs)}` });
  await unlessPaused(state);
  enter(state, 'submitting');
}
