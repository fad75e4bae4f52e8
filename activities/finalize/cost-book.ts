// What a run paid and what each lever saved, added up line by line as finalize writes the results.
import { priceModelOf, uncachedCostUsd, usageCostUsd, type ResolvedSpec, type RunReport } from '../../common';
import type { FinalItem } from '../../store';
import { priceModelFor } from '../spend/spend-estimate';
import type { AnsweredBy } from '../spend/answered-estimate';

/** Costs in the report are rounded to a millionth of a dollar. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

type Split = RunReport['byModel'];

/** A split with each cost rounded as the report's other costs are. */
export function roundedSplit(split: Split): Split {
  return Object.fromEntries(Object.entries(split).map(([key, m]) => [key, { ...m, costUsd: roundUsd(m.costUsd) }]));
}

/** Adds up what a run paid and what each lever saved, line by line. */
export class CostBook {
  readonly byModel: RunReport['byModel'] = {};
  /** The same split by lane (a hybrid run's sync and batch answers) and by the provider that answered. */
  readonly byMode: RunReport['byMode'] = {};
  readonly byProvider: RunReport['byProvider'] = {};
  readonly savings = { batch: 0, dedup: 0, cache: 0, routing: 0, promptCache: 0 };
  /** Paid answers by model and lane: what a failover run's estimate is priced as (answered-estimate.ts). */
  readonly answeredBy: AnsweredBy = new Map();
  paid = 0;
  syncEquivalent = 0;
  naiveSync = 0;
  cacheHits = 0;
  tokens = { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 };
  private readonly model: string;
  constructor(private readonly spec: ResolvedSpec) {
    this.model = priceModelOf(spec);
  }
  /**
   * The levers as steps from the naive cost of a line down to what it cost, in a fixed order, so the
   * savings add up to naiveSync - billed: routing (the spec's model -> the answering one, at sync
   * prices), batch discount, prompt cache (in the lane it was answered), then a duplicate's or a
   * cache hit's whole remaining cost is what dedup or the answer cache saved.
   */
  add(item: FinalItem, duplicate: boolean) {
    const r = item.result!;
    const prices = this.spec.prices;
    const priced = priceModelFor(this.spec, r.model);
    const naive = uncachedCostUsd(this.model, 'sync', r, prices);
    const routed = uncachedCostUsd(priced, 'sync', r, prices);
    const inLane = uncachedCostUsd(priced, r.mode, r, prices);
    const lineCost = usageCostUsd(priced, r.mode, r, prices);
    this.naiveSync += naive;
    this.savings.routing += naive - routed;
    this.savings.batch += routed - inLane;
    this.savings.promptCache += inLane - lineCost;
    if (duplicate) {
      this.savings.dedup += lineCost;
      return;
    }
    if (r.cached) {
      this.cacheHits++;
      this.savings.cache += lineCost;
      return;
    }
    const cacheWrite = r.cacheWriteTokens ?? 0;
    const cacheRead = r.cacheReadTokens ?? 0;
    this.paid += r.costUsd;
    this.syncEquivalent += r.syncCostUsd;
    const lane = `${r.model}\n${r.mode}`;
    this.answeredBy.set(lane, (this.answeredBy.get(lane) ?? 0) + 1);
    this.tokens.input += r.inputTokens;
    this.tokens.output += r.outputTokens;
    this.tokens.cacheWrite += cacheWrite;
    this.tokens.cacheRead += cacheRead;
    for (const [split, key] of [
      [this.byModel, r.model],
      [this.byMode, r.mode],
      [this.byProvider, r.provider],
    ] as const) {
      const totals = (split[key] ??= {
        answers: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheWriteTokens: 0,
        cacheReadTokens: 0,
        costUsd: 0,
      });
      totals.answers++;
      totals.inputTokens += r.inputTokens;
      totals.outputTokens += r.outputTokens;
      totals.cacheWriteTokens += cacheWrite;
      totals.cacheReadTokens += cacheRead;
      totals.costUsd += r.costUsd;
    }
  }
}
