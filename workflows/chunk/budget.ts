// The chunk's spend: reserved in the run's ledger before a batch or sync round, settled after it.
import { condition } from '@temporalio/workflow';
import { bookkeepingProfile } from '../activity-profiles';
import { books } from './proxies';
import { enter, type ChunkState } from './state';
import { tellBudget } from './tell';

/** A chunk out of budget looks again at most this far apart even without a raise (daily caps renew). */
const BUDGET_RECHECK_MS = 3_600_000;

/**
 * Before a batch or sync round: reserve its estimated cost in the spend ledger, which picks the
 * model (the downgrade once the run is yellow). Out of budget, the chunk waits (phase
 * paused:budget) for a raise (`llmbatch budget`), a new day or month, or a cancel.
 */
export async function reserve(state: ChunkState, strike: number, mode: 'batch' | 'sync'): Promise<string> {
  const { runId, chunk, label } = state;
  let recheckMs = Math.max(1, state.spec.poll.initialMs);
  for (;;) {
    const decision = await books.reserveSpend.executeWithOptions(
      { ...bookkeepingProfile, summary: `reserve the budget for ${label} strike ${strike}` },
      [{ runId, chunk, strike, spec: state.spec, mode, maxUsd: state.maxUsd }],
    );
    if (decision.ok) {
      if (state.phase === 'paused:budget') enter(state, 'submitting');
      await tellBudget(state, decision.zone, decision.message ?? '');
      return decision.model;
    }
    enter(state, 'paused:budget');
    await tellBudget(state, 'red', decision.message);
    state.budgetChanged = false;
    // A raise or a settled chunk wakes it at once; other runs' spend and a new day are looked at
    // on a timer that backs off to an hour, so a long wait adds few events.
    await condition(() => state.budgetChanged, recheckMs);
    recheckMs = Math.min(recheckMs * 2, BUDGET_RECHECK_MS);
  }
}

/** After a batch or sync round: its actual spend replaces the reservation. */
export function settle(state: ChunkState, strike: number, model: string) {
  const { runId, chunk, label } = state;
  return books.settleSpend.executeWithOptions(
    { ...bookkeepingProfile, summary: `settle the spend of ${label} strike ${strike}` },
    [{ runId, chunk, strike, model }],
  );
}
