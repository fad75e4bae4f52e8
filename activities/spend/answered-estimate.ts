// A run whose chunks failed over was planned, and estimated, on the spec's model; the money went to
// the model that answered. So the report's estimate prices the plan's tokens as they were answered:
// each lane's tokens split by the share of answers each (model, lane) gave, at that model's prices
// and through its tokenizer. The pre-flight figure (what the budget checked) stays beside it.
import type { PlanLane, PlanSummary, Range, ResolvedSpec } from '../../common';
import { lanesCost } from './spend-estimate';
import { retokenized } from '../plan/token-count';

/** Answers by `model` + newline + `mode`, cache hits and duplicates aside. */
export type AnsweredBy = Map<string, number>;

export function estimateAsAnswered(spec: ResolvedSpec, plan: PlanSummary, answeredBy: AnsweredBy): Range | undefined {
  const lanes = plan.lanes ?? [];
  const planned = new Set([...lanes.map((lane) => lane.model), ...(spec.downgradeTo ? [spec.downgradeTo] : [])]);
  const answered = [...answeredBy].map(([key, count]) => {
    const [model, mode] = key.split('\n');
    return { model, mode: mode as PlanLane['mode'], count };
  });
  // Only a failover moves answers to a model the plan did not price.
  if (!spec.failover?.length || answered.every((a) => planned.has(a.model))) return undefined;
  const total = answered.reduce((n, a) => n + a.count, 0);
  const estimate: Range = { min: 0, likely: 0, max: 0 };
  for (const { model, mode, count } of answered) {
    const share = count / total;
    const moved = lanes.map((lane) =>
      lane.model === model
        ? lane
        : // Another model: its own tokenizer, its own lane, and no share of the first one's prompt cache.
          { model, mode, input: retokenized(lane.input, lane.model, model), output: lane.output },
    );
    const cost = lanesCost(spec, moved);
    estimate.min += cost.min * share;
    estimate.likely += cost.likely * share;
    estimate.max += cost.max * share;
  }
  return estimate;
}
