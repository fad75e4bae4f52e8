// Prices of token estimates: a plan's range, and a chunk's next batch or sync round, which is
// what a budget reserves before it is submitted. Once a run has answers, they correct the guesses:
// output per answer as measured, input as the provider counts it against our tokenizer.
import {
  costUsd,
  likelyOutputTokens,
  promptCacheRatesOf,
  type PlanLane,
  type PriceMode,
  type PriceTable,
  type Range,
  type ResolvedSpec,
} from '../../common';
import type { RunStore } from '../../store';

/** Answers a run needs before their averages replace the worst case. */
const MEASURED_AFTER = 20;
/** Headroom on measured averages (the seed's 20-30% output buffer; input as the provider counts it). */
const OUTPUT_BUFFER = 1.25;
const INPUT_BUFFER = 1.05;

export function priceRange(
  model: string,
  mode: PriceMode,
  inputTokens: number,
  output: Range,
  prices?: PriceTable,
): Range {
  return {
    min: costUsd(model, mode, inputTokens, output.min, prices),
    likely: costUsd(model, mode, inputTokens, output.likely, prices),
    max: costUsd(model, mode, inputTokens, output.max, prices),
  };
}

/** A lane's input tokens as the input price sees them: its prompt-cache writes and reads at their multiples. */
function pricedInput(lane: PlanLane, model: string, prices?: PriceTable): number {
  if (!lane.promptCache) return lane.input;
  const { writeShare, readShare } = lane.promptCache;
  const rates = promptCacheRatesOf(model, prices);
  return lane.input * (1 - writeShare - readShare + writeShare * rates.write + readShare * rates.read);
}

/** The model prices are looked up by: an Azure deployment of the spec prices as its deploymentModel. */
export function priceModelFor(spec: ResolvedSpec, model: string): string {
  return model === spec.model ? (spec.priceModel ?? spec.model) : model;
}

/**
 * What a plan's lanes cost, each at its own model's prices, in its own mode (a hybrid run's sync
 * lane at sync prices), or every lane in `mode` (what the run would cost all in sync).
 */
export function lanesCost(spec: ResolvedSpec, lanes: readonly PlanLane[], mode?: PriceMode): Range {
  const total: Range = { min: 0, likely: 0, max: 0 };
  for (const lane of lanes) {
    const model = priceModelFor(spec, lane.model);
    const cost = priceRange(model, mode ?? lane.mode, pricedInput(lane, model, spec.prices), lane.output, spec.prices);
    total.min += cost.min;
    total.likely += cost.likely;
    total.max += cost.max;
  }
  return total;
}

/**
 * What a chunk's pending requests may cost on `model` in `mode`, for a reservation. Until the run
 * has answers, output is reserved at plan's likely figure (a schema-shaped answer plus 25%, or half
 * of maxTokens for free text); then at the measured average plus 25%. Input is the tokenizer's
 * count, then scaled to how the provider counted the answers so far, plus 5%.
 */
export async function nextSpendUsd(
  store: RunStore,
  runId: string,
  chunk: number,
  spec: ResolvedSpec,
  model: string,
  mode: PriceMode,
): Promise<{ requests: number; usd: number }> {
  const pending = await store.items.pendingSize(runId, chunk);
  if (pending.requests === 0) return { requests: 0, usd: 0 };
  const measured = await store.results.answeredSoFar(runId);
  const enough = measured.answers >= MEASURED_AFTER && measured.countedInput > 0;
  const inputTokens = enough
    ? pending.inputTokens * (measured.billedInput / measured.countedInput) * INPUT_BUFFER
    : pending.inputTokens * INPUT_BUFFER;
  const outputPerAnswer = enough
    ? Math.min(spec.maxTokens, (measured.output / measured.answers) * OUTPUT_BUFFER)
    : likelyOutputTokens(spec.outputSchema, spec.maxTokens);
  return {
    requests: pending.requests,
    usd: costUsd(priceModelFor(spec, model), mode, inputTokens, pending.requests * outputPerAnswer, spec.prices),
  };
}
