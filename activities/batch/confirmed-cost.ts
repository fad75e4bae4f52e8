// A batch's confirmed cost: the provider's own token totals priced with our table, beside what its
// lines cost by their usage (computed). OpenAI's batch object and Bedrock's manifest carry totals of
// their own; Anthropic and Gemini bill by the usage on each result, so there the lines as the
// provider sent them (every line, ours or not, failed or not) are the confirmation.
import { CONFIRM_TOLERANCE, tokensCostUsd, type PriceTable, type RunReport, type TokenUsage } from '../../common';
import type { ReportedUsage } from '../../providers';
import type { BatchUsageRecord, ConfirmedTotals } from '../../store';

export class BatchUsageTally {
  private readonly lines: Required<TokenUsage> = {
    inputTokens: 0,
    outputTokens: 0,
    cacheWriteTokens: 0,
    cacheReadTokens: 0,
  };
  private computedUsd = 0;

  /** One line of the batch's files, with what we priced it at (0 for a line we do not price). */
  add(usage: TokenUsage | undefined, computedUsd: number) {
    this.computedUsd += computedUsd;
    if (!usage) return;
    this.lines.inputTokens += usage.inputTokens;
    this.lines.outputTokens += usage.outputTokens;
    this.lines.cacheWriteTokens += usage.cacheWriteTokens ?? 0;
    this.lines.cacheReadTokens += usage.cacheReadTokens ?? 0;
  }

  /**
   * The batch's record. Only the tokens the provider's totals differ by are priced apart (at base
   * rates, batch mode), so a batch whose totals agree is confirmed at exactly its computed cost, long-
   * context tiers included (they price per request, which totals cannot show).
   */
  record(provider: string, model: string, reported: ReportedUsage | undefined, prices?: PriceTable): BatchUsageRecord {
    if (!reported) {
      return {
        provider,
        source: 'results',
        confirmed: { ...this.lines },
        computedUsd: this.computedUsd,
        confirmedUsd: this.computedUsd,
      };
    }
    // Totals rarely split the cache: where they do not, the lines' split stands.
    const cacheReadTokens = reported.cachedTokens ?? this.lines.cacheReadTokens;
    const cacheWriteTokens = this.lines.cacheWriteTokens;
    const confirmed = {
      inputTokens: reported.promptTokens - cacheReadTokens - cacheWriteTokens,
      outputTokens: reported.outputTokens,
      cacheWriteTokens,
      cacheReadTokens,
    };
    const delta = tokensCostUsd(model, 'batch', confirmed, prices) - tokensCostUsd(model, 'batch', this.lines, prices);
    return {
      provider,
      source: 'batch',
      confirmed,
      computedUsd: this.computedUsd,
      confirmedUsd: this.computedUsd + delta,
    };
  }
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

/**
 * The run's confirmed cost: what it billed by our reckoning, moved by what each batch's provider
 * totals differ from its lines (sync calls are confirmed by their own response's usage, which is what
 * we price). Per provider too, on report.json's byProvider. Flagged over CONFIRM_TOLERANCE.
 */
export function confirmCosts(
  actual: number,
  byProvider: RunReport['byProvider'],
  batches: Record<string, ConfirmedTotals>,
): Pick<RunReport['costUsd'], 'confirmed' | 'confirmedDifference' | 'confirmedMismatch'> {
  let difference = 0;
  for (const [provider, totals] of Object.entries(batches)) {
    const gap = totals.confirmedUsd - totals.computedUsd;
    difference += gap;
    const split = byProvider[provider];
    if (split) {
      split.confirmedUsd = round(split.costUsd + gap);
      split.confirmedDifferenceUsd = round(gap);
    }
  }
  return {
    confirmed: round(actual + difference),
    confirmedDifference: round(difference),
    confirmedMismatch: Math.abs(difference) > CONFIRM_TOLERANCE * actual,
  };
}
