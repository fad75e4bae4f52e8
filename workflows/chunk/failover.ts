// Failover: a chunk whose provider does not take its batch within retry.failoverAfter moves to the
// next entry of the spec's failover chain.
import { log, upsertSearchAttributes } from '@temporalio/workflow';
import { failoverSpec, formatDuration } from '../../common';
import { bookkeepingProfile } from '../activity-profiles';
import { LlmModel, LlmProvider } from '../search-attributes';
import { ranPastFailoverBound } from './failures';
import { books } from './proxies';
import type { ChunkState } from './state';
import { alert } from './tell';

/** Thrown inside a strike when the chunk moved to a failover entry: the strike starts again there. */
export class FailedOver extends Error {}

/** What bounds a step that may fail over: its schedule-to-close, and the time after which no create starts. */
export interface FailoverBound {
  scheduleToCloseTimeout?: number;
  createBefore?: number;
}

/**
 * Runs a step that needs the provider to take the chunk's batch (room for it, its create). With
 * failover entries left, the step is bounded by retry.failoverAfter; past it (the provider down
 * or out of capacity all that time) the chunk moves to the next entry, unless a create may have
 * reached the provider unanswered: then it stays, as a second provider could bill its items again.
 */
export async function orFailOver<T>(
  state: ChunkState,
  strike: number,
  step: (bounded: FailoverBound) => Promise<T>,
): Promise<T> {
  const { runId, chunk, label, failovers } = state;
  if (failovers.length === 0) return step({});
  try {
    const bound = state.spec.retry.failoverAfterMs;
    // A create is not started in the bound's last stretch (a quarter, at most 5 min): one that
    // finished after the chunk moved on would be answered and billed by two providers.
    const createBefore = Date.now() + bound - Math.min(bound / 4, 5 * 60_000);
    return await step({ scheduleToCloseTimeout: bound, createBefore });
  } catch (error) {
    if (!ranPastFailoverBound(error)) throw error;
    const verdict = await books.prepareFailover.executeWithOptions(
      { ...bookkeepingProfile, summary: `free ${label} strike ${strike} to move to another provider` },
      [{ runId, chunk, strike }],
    );
    if (!verdict.ok) {
      log.warn('the provider has not taken the batch, but the chunk stays on it', {
        chunk,
        strike,
        reason: verdict.reason,
      });
      failovers.length = 0; // for good: the uncertain create is this provider's
      return step({});
    }
    await failOver(
      state,
      strike,
      `its provider did not take strike ${strike}'s batch within retry.failoverAfter (${formatDuration(state.spec.retry.failoverAfterMs)})`,
    );
    throw new FailedOver();
  }
}

/** Moves the chunk to the next failover entry, and says why. */
export async function failOver(state: ChunkState, strike: number, why: string): Promise<void> {
  const from = `${state.spec.provider}/${state.spec.model}`;
  state.spec = failoverSpec(state.spec, state.failovers.shift()!);
  const { spec } = state;
  upsertSearchAttributes([
    { key: LlmProvider, value: spec.provider },
    { key: LlmModel, value: spec.model },
  ]);
  await alert(
    state,
    'failover',
    `${state.label} moves from ${from} to ${spec.provider}/${spec.model} (${spec.mode}): ${why}`,
    {
      strike,
      from,
      to: `${spec.provider}/${spec.model}`,
    },
  );
}
