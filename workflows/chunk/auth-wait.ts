// A refused API key (401/403) is the run's trouble, not the items': the step that met it waits
// (phase `waiting:auth`, an alert, the parent told) and probes again with backoff until the key
// works or retry.authTimeout passes, when the chunk fails and its items are dead-lettered.
import { ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { ChunkPhase } from '../../common';
import { keyWaitProfile } from '../activity-profiles';
import { isAuthFailure, ranOutOfTime } from './failures';
import { enter, type ChunkState } from './state';
import { alert, tellParentWaiting } from './tell';

/** Runs a step; while the provider refuses the key, waits and probes again. */
export async function withAuthWait<T>(state: ChunkState, step: () => Promise<T>): Promise<T> {
  const { chunk, label } = state;
  let waitedMs = 0;
  let resume: ChunkPhase | undefined;
  for (;;) {
    try {
      const result = await step();
      if (resume) {
        enter(state, resume);
        await tellParentWaiting(state, false, '');
        log.info('the provider accepts the key again', { chunk, waitedMs });
      }
      return result;
    } catch (error) {
      if (!isAuthFailure(error)) throw error;
      if (waitedMs >= state.spec.retry.authTimeoutMs) {
        throw ApplicationFailure.nonRetryable(
          `the provider refused the API key for ${Math.round(waitedMs / 1000)} s (retry.authTimeout): ${error.cause?.message}`,
          'auth',
        );
      }
      if (!resume) {
        resume = state.phase;
        enter(state, 'waiting:auth');
        await tellParentWaiting(state, true, error.cause?.message ?? 'authentication failed');
        await alert(state, 'auth', `${label} waits: ${error.cause?.message}; fix the key in the worker environment`);
      }
      waitedMs += await waitForKey(state, waitedMs);
      if (waitedMs >= state.spec.retry.authTimeoutMs) continue; // the step's refusal ends the chunk
      enter(state, resume);
      resume = undefined;
      await tellParentWaiting(state, false, '');
      log.info('the provider accepts the key again', { chunk, waitedMs });
    }
  }
}

/**
 * A cheap look every retry.authProbe, so the phase clears as soon as the provider answers again,
 * not at the end of a doubling sleep nor of the step that met the refusal. Answers how long it waited.
 */
async function waitForKey(state: ChunkState, waitedMs: number): Promise<number> {
  const { spec } = state;
  const since = Date.now();
  const wait = proxyActivities<Activities>(keyWaitProfile(spec.retry, spec.retry.authTimeoutMs - waitedMs));
  await wait.waitForKey({ spec }).catch((waitError: unknown) => {
    // Out of time: a timeout, or the last "refused" when the next look would come after the bound.
    if (!ranOutOfTime(waitError)) throw waitError;
  });
  return Date.now() - since;
}
