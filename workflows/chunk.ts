// A chunk's state machine, three strikes: strike 1 submits the chunk as one provider batch,
// strike 2 resubmits only the retryable failures as a new batch, strike 3 calls what still
// remains through the sync API; whatever still fails is dead-lettered by finalize. Permanent
// failures never burn strikes (the store stops offering them). The history holds a fixed number
// of events whatever the chunk size: polling lives in an activity's retries.
//
// A refused API key (401/403) is the run's trouble, not the items': the step that met it waits
// (phase `waiting:auth`, an alert, the parent told) and probes again with backoff until the key
// works or retry.authTimeout passes, when the chunk fails and its items are dead-lettered.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ChunkInput, ChunkOutcome, ChunkPhase } from '../common';
import {
  alertProfile,
  collectProfile,
  ioProfile,
  pollProfile,
  providerCallProfile,
  syncCallProfile,
} from './activity-profiles';
import { LlmPhase } from './search-attributes';
import { chunkWaitingSignal } from './signals';

export const chunkPhaseQuery = defineQuery<ChunkPhase>('phase');

const { tallyChunk, countPending } = proxyActivities<Activities>(ioProfile);
const { submitBatch } = proxyActivities<Activities>(providerCallProfile);
const { collectBatch } = proxyActivities<Activities>(collectProfile);
const { syncStrike } = proxyActivities<Activities>(syncCallProfile);
const { sendAlert } = proxyActivities<Activities>(alertProfile);

/** The longest wait between two probes of a refused key. */
const AUTH_PROBE_MAX_MS = 5 * 60_000;

function isAuthFailure(error: unknown): error is ActivityFailure {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === 'auth';
}

export async function chunkWorkflow(input: ChunkInput): Promise<ChunkOutcome> {
  const { runId, chunk, spec } = input;
  let phase: ChunkPhase = 'submitting';
  setHandler(chunkPhaseQuery, () => phase);
  const { pollBatch } = proxyActivities<Activities>(pollProfile(spec.poll));
  let batches = 0;

  /** Alerts never hold the chunk: a few attempts, then a log line. */
  const alert = (kind: Parameters<Activities['sendAlert']>[0]['kind'], message: string, details = {}) =>
    sendAlert({ runId, kind, message, webhook: spec.alert?.webhook, details: { chunk, ...details } }).catch(
      (error: unknown) => log.warn('alert could not be delivered', { kind, error: String(error) }),
    );

  const tellParent = async (waiting: boolean, reason: string) => {
    const parent = workflowInfo().parent;
    if (!parent) return;
    await getExternalWorkflowHandle(parent.workflowId)
      .signal(chunkWaitingSignal, { chunk, waiting, reason })
      .catch((error: unknown) => log.warn('could not tell the parent', { error: String(error) }));
  };

  /** Runs a step; while the provider refuses the key, waits and probes again. */
  const withAuthWait = async <T>(step: () => Promise<T>): Promise<T> => {
    let waitedMs = 0;
    let probeMs = Math.max(1, spec.retry.authProbeMs);
    let resume: ChunkPhase | undefined;
    for (;;) {
      try {
        const result = await step();
        if (resume) {
          phase = resume;
          upsertSearchAttributes([{ key: LlmPhase, value: 'running' }]);
          await tellParent(false, '');
          log.info('the provider accepts the key again', { chunk, waitedMs });
        }
        return result;
      } catch (error) {
        if (!isAuthFailure(error)) throw error;
        if (waitedMs >= spec.retry.authTimeoutMs) {
          throw ApplicationFailure.nonRetryable(
            `the provider refused the API key for ${Math.round(waitedMs / 1000)} s (retry.authTimeout): ${error.cause?.message}`,
            'auth',
          );
        }
        if (!resume) {
          resume = phase;
          phase = 'waiting:auth';
          upsertSearchAttributes([{ key: LlmPhase, value: 'waiting:auth' }]);
          await tellParent(true, error.cause?.message ?? 'authentication failed');
          await alert('auth', `chunk ${chunk} waits: ${error.cause?.message}; fix the key in the worker environment`);
        }
        await sleep(probeMs);
        waitedMs += probeMs;
        probeMs = Math.min(probeMs * 2, Math.max(AUTH_PROBE_MAX_MS, spec.retry.authProbeMs));
      }
    }
  };

  /** Polls a batch; if it is still unfinished after poll.alertAfter, alerts once and keeps waiting. */
  const waitForBatch = async (strike: number, batchId: string) => {
    const polling = pollBatch({ runId, chunk, strike, batchId, spec });
    const timer = new CancellationScope();
    let alerted: Promise<void> | undefined;
    const alarm = timer
      .run(() => sleep(spec.poll.alertAfterMs))
      .then(
        () => {
          upsertSearchAttributes([{ key: LlmPhase, value: 'alert:batch-overdue' }]);
          const message = `batch ${batchId} of chunk ${chunk} (strike ${strike}) is unfinished after ${spec.poll.alertAfterMs} ms`;
          alerted = alert('batch-overdue', message, { strike, batchId });
        },
        () => undefined,
      );
    try {
      return await polling;
    } finally {
      timer.cancel();
      await alarm;
      await alerted;
    }
  };

  const batchStrike = async (strike: 1 | 2) => {
    phase = 'submitting';
    const submitted = await withAuthWait(() => submitBatch({ runId, chunk, strike, spec }));
    if (!submitted.batchId) return;
    const batchId = submitted.batchId;
    batches++;
    phase = 'waiting';
    const batch = await withAuthWait(() => waitForBatch(strike, batchId));
    phase = 'collecting';
    await withAuthWait(() => collectBatch({ runId, chunk, strike, batch, spec }));
  };

  const syncRound = async (strike: number) => {
    phase = 'calling-sync';
    await withAuthWait(() => syncStrike({ runId, chunk, strike, spec }));
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
      await syncRound(strike);
    }
  } else {
    await batchStrike(1);
    if ((await countPending({ runId, chunk })) > 0) {
      await backOff(spec.retry.strike2DelayMs);
      await batchStrike(2);
    }
    if ((await countPending({ runId, chunk })) > 0) {
      await backOff(spec.retry.strike3DelayMs);
      await syncRound(3);
    }
  }
  phase = 'done';
  return tallyChunk({ runId, chunk, batches });
}
