// The row an answer that passed its checks is stored as: one shape for a batch line (collect) and a
// sync call (sync-strike), so the report reads both the same way.
import type { TokenUsage } from '../../common';
import type { ResultRow } from '../../store';
import type { Lane } from '../alerts/metrics';

export function answerRow(
  answer: { dedupKey: string; output: string; parsed: unknown; usage: TokenUsage },
  lane: { provider: string; model: string; mode: Lane },
  strike: number,
  cost: { costUsd: number; syncCostUsd: number },
): ResultRow {
  const { inputTokens, outputTokens, cacheWriteTokens, cacheReadTokens } = answer.usage;
  return {
    dedupKey: answer.dedupKey,
    output: answer.output,
    parsed: answer.parsed,
    provider: lane.provider,
    model: lane.model,
    mode: lane.mode,
    strike,
    inputTokens,
    outputTokens,
    cacheWriteTokens,
    cacheReadTokens,
    costUsd: cost.costUsd,
    // What the same answer costs as a sync call: the run's sync-equivalent spend in the report.
    syncCostUsd: cost.syncCostUsd,
  };
}
