// A chunk's state machine, three strikes: strike 1 submits the chunk as one provider batch,
// strike 2 resubmits only the retryable failures as a new batch, strike 3 calls what still
// remains through the sync API; whatever still fails is dead-lettered by finalize. Permanent
// failures never burn strikes (the store stops offering them). The history holds a fixed number
// of events whatever the chunk size: polling lives in an activity's retries.
import {
  CancellationScope,
  defineQuery,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ChunkInput, ChunkOutcome, ChunkPhase } from '../common';
import { ioProfile, pollProfile, providerCallProfile, syncCallProfile } from './activity-profiles';
import { LlmPhase } from './search-attributes';

export const chunkPhaseQuery = defineQuery<ChunkPhase>('phase');

/** Strikes 2 and 3 arrived after runs were already recorded: their histories replay the old path. */
export const THREE_STRIKES_PATCH = 'three-strikes';

const { collectBatch, tallyChunk, countPending, sendAlert } = proxyActivities<Activities>(ioProfile);
const { submitBatch } = proxyActivities<Activities>(providerCallProfile);
const { syncStrike } = proxyActivities<Activities>(syncCallProfile);

export async function chunkWorkflow(input: ChunkInput): Promise<ChunkOutcome> {
  const { runId, chunk, spec } = input;
  let phase: ChunkPhase = 'submitting';
  setHandler(chunkPhaseQuery, () => phase);
  const { pollBatch } = proxyActivities<Activities>(pollProfile(spec.poll));
  let batches = 0;

  if (!patched(THREE_STRIKES_PATCH)) {
    const submitted = await submitBatch({ runId, chunk, strike: 1, spec });
    if (submitted.batchId) {
      batches++;
      phase = 'waiting';
      const batch = await pollBatch({ runId, chunk, strike: 1, batchId: submitted.batchId, spec });
      phase = 'collecting';
      await collectBatch({ runId, chunk, strike: 1, batch, spec });
    }
    phase = 'done';
    return tallyChunk({ runId, chunk, batches });
  }

  /** Polls a batch; if it is still unfinished after poll.alertAfter, alerts once and keeps waiting. */
  const waitForBatch = async (strike: number, batchId: string) => {
    const polling = pollBatch({ runId, chunk, strike, batchId, spec });
    const timer = new CancellationScope();
    let overdue = false;
    const alarm = timer
      .run(() => sleep(spec.poll.alertAfterMs))
      .then(
        () => (overdue = true),
        () => undefined,
      );
    await Promise.race([polling.catch(() => undefined), alarm]);
    if (overdue) {
      upsertSearchAttributes([{ key: LlmPhase, value: 'alert:batch-overdue' }]);
      const message = `batch ${batchId} of chunk ${chunk} (strike ${strike}) is unfinished after ${spec.poll.alertAfterMs} ms`;
      await sendAlert({
        runId,
        kind: 'batch-overdue',
        message,
        webhook: spec.alert?.webhook,
        details: { chunk, strike, batchId },
      }).catch((error: unknown) => log.warn('alert could not be delivered', { error: String(error) }));
    } else {
      timer.cancel();
    }
    return polling;
  };

  const batchStrike = async (strike: 1 | 2) => {
    phase = 'submitting';
    const submitted = await submitBatch({ runId, chunk, strike, spec });
    if (!submitted.batchId) return;
    batches++;
    phase = 'waiting';
    const batch = await waitForBatch(strike, submitted.batchId);
    phase = 'collecting';
    await collectBatch({ runId, chunk, strike, batch, spec });
  };

  const backOff = async (ms: number) => {
    phase = 'backing-off';
    if (ms > 0) await sleep(ms);
  };

  if (spec.mode === 'sync') {
    // Sync mode: every strike is a round of sync calls, with the same waits between strikes.
    for (const strike of [1, 2, 3]) {
      if (strike > 1) {
        if ((await countPending({ runId, chunk })) === 0) break;
        await backOff(strike === 2 ? spec.retry.strike2DelayMs : spec.retry.strike3DelayMs);
      }
      phase = 'calling-sync';
      await syncStrike({ runId, chunk, strike, spec });
    }
    phase = 'done';
    return tallyChunk({ runId, chunk, batches });
  }

  await batchStrike(1);
  if ((await countPending({ runId, chunk })) > 0) {
    await backOff(spec.retry.strike2DelayMs);
    await batchStrike(2);
  }
  if ((await countPending({ runId, chunk })) > 0) {
    await backOff(spec.retry.strike3DelayMs);
    phase = 'calling-sync';
    await syncStrike({ runId, chunk, strike: 3, spec });
  }
  phase = 'done';
  return tallyChunk({ runId, chunk, batches });
}
