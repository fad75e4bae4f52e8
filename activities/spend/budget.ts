// The budget guard's activities: the pre-flight check after plan, a reservation before each
// provider batch or sync round (which also picks the model: the spec's, or the downgrade once the
// run is yellow), and the settlement after collect. Every run records its spend, budget or not,
// so daily and monthly caps count every run in the store.
import {
  capsOf,
  decideSpend,
  preflightProblem,
  type PriceMode,
  type ResolvedSpec,
  type SpendDecision,
} from '../../common';
import type { ActivityDeps } from '../deps';
import { nextSpendUsd } from './spend-estimate';

export interface ReserveInput {
  runId: string;
  chunk: number;
  strike: number;
  spec: ResolvedSpec;
  mode: PriceMode;
  /** The run's cap as it stands now (`llmbatch budget` may have changed it). */
  maxUsd?: number;
}

export function createBudgetActivities({ store }: ActivityDeps) {
  return {
    async checkBudget({
      runId,
      spec,
      estimateUsd,
      maxUsd,
    }: {
      runId: string;
      spec: ResolvedSpec;
      estimateUsd: number;
      /** The run's cap if `llmbatch budget` changed it before planning ended. */
      maxUsd?: number;
    }): Promise<string | undefined> {
      if (!spec.budget) return undefined;
      return preflightProblem(estimateUsd, await store.spend.totals(runId), capsOf(spec.budget, maxUsd));
    },

    async reserveSpend(input: ReserveInput): Promise<SpendDecision> {
      const { runId, chunk, strike, spec, mode } = input;
      // A retried activity keeps the decision it made.
      const made = await store.spend.reservation(runId, chunk, strike);
      if (made)
        return {
          ok: true,
          zone: made.model === spec.model ? 'green' : 'yellow',
          model: made.model,
          usd: made.reservedUsd,
        };
      const next = await nextSpendUsd(store, runId, chunk, spec, spec.model, mode);
      if (next.requests === 0) return { ok: true, zone: 'green', model: spec.model, usd: 0 };
      const downgrade = spec.downgradeTo
        ? { model: spec.downgradeTo, usd: (await nextSpendUsd(store, runId, chunk, spec, spec.downgradeTo, mode)).usd }
        : undefined;
      const caps = capsOf(spec.budget, input.maxUsd);
      const yellowAt = spec.budget?.yellowAt ?? 1;
      return store.spend.locked(async (ledger) => {
        const decision = decideSpend(
          await ledger.totals(runId),
          caps,
          yellowAt,
          { model: spec.model, usd: next.usd },
          downgrade,
        );
        if (decision.ok) await ledger.reserve(runId, chunk, strike, decision.model, decision.usd);
        return decision;
      });
    },

    async settleSpend({
      runId,
      chunk,
      strike,
      model,
    }: {
      runId: string;
      chunk: number;
      strike: number;
      model: string;
    }): Promise<number> {
      return store.spend.settle(runId, chunk, strike, model);
    },
  };
}
