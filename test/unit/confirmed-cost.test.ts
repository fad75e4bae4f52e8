// Costs the provider confirms: a batch's own token totals priced with our table beside what its
// lines cost, long-context tiers and cached input in the price table, and the run's flag over 0.5%.
import { BatchUsageTally, confirmCosts } from '../../activities/batch/confirmed-cost';
import { tokensCostUsd, usageCostUsd, type RunReport } from '../../common';
import { chatUsage } from '../../providers/openai/openai-batch';

const split = (costUsd: number): RunReport['byProvider'][string] => ({
  answers: 10,
  inputTokens: 0,
  outputTokens: 0,
  cacheWriteTokens: 0,
  cacheReadTokens: 0,
  costUsd,
});

describe('the price table', () => {
  it('prices a Gemini 2.5 Pro or Sonnet 4 request over 200K prompt tokens at the long-context tier', () => {
    const short = { inputTokens: 200_000, outputTokens: 1000 };
    const long = { inputTokens: 200_001, outputTokens: 1000 };
    expect(usageCostUsd('gemini-2.5-pro', 'sync', short)).toBeCloseTo((200_000 * 1.25 + 1000 * 10) / 1e6, 9);
    expect(usageCostUsd('gemini-2.5-pro', 'sync', long)).toBeCloseTo((200_001 * 2.5 + 1000 * 15) / 1e6, 9);
    expect(usageCostUsd('claude-sonnet-4-20250514', 'batch', long)).toBeCloseTo((200_001 * 3 + 1000 * 11.25) / 1e6, 9);
    // Cache reads count toward the threshold: they are prompt tokens.
    const cachedLong = { inputTokens: 1000, cacheReadTokens: 250_000, outputTokens: 0 };
    expect(usageCostUsd('claude-sonnet-4', 'sync', cachedLong)).toBeCloseTo((1000 * 6 + 250_000 * 0.6) / 1e6, 9);
    // Totals of many requests are priced at base rates: the tier is per request.
    expect(tokensCostUsd('gemini-2.5-pro', 'sync', long)).toBeCloseTo((200_001 * 1.25 + 1000 * 10) / 1e6, 9);
  });

  it("prices OpenAI's cached input at 0.25x on GPT-4.1 models, read from prompt_tokens_details", () => {
    const usage = chatUsage({
      prompt_tokens: 3000,
      completion_tokens: 100,
      prompt_tokens_details: { cached_tokens: 2048 },
    });
    expect(usage).toEqual({ inputTokens: 952, outputTokens: 100, cacheReadTokens: 2048 });
    expect(usageCostUsd('gpt-4.1-mini', 'batch', usage)).toBeCloseTo((952 * 0.2 + 2048 * 0.05 + 100 * 0.8) / 1e6, 12);
  });
});

describe('a batch confirmed by its provider', () => {
  const line = { inputTokens: 500, outputTokens: 20 };
  const priced = usageCostUsd('gpt-4.1-mini', 'batch', line);

  it('is confirmed at exactly its computed cost when the totals agree with the lines', () => {
    const tally = new BatchUsageTally();
    for (let i = 0; i < 3; i++) tally.add(line, priced);
    const record = tally.record('openai', 'gpt-4.1-mini', { promptTokens: 1500, outputTokens: 60, cachedTokens: 0 });
    expect(record).toMatchObject({ source: 'batch', confirmed: { inputTokens: 1500, outputTokens: 60 } });
    expect(record.confirmedUsd).toBeCloseTo(record.computedUsd, 12);
  });

  it('prices the tokens the provider billed beyond the lines', () => {
    const tally = new BatchUsageTally();
    tally.add(line, priced);
    const record = tally.record('bedrock', 'gpt-4.1-mini', { promptTokens: 1500, outputTokens: 20 });
    expect(record.confirmedUsd - record.computedUsd).toBeCloseTo((1000 * 0.2) / 1e6, 12);
  });

  it("takes the lines as the provider sent them where it reports no totals (Anthropic's, Gemini's per-result usage)", () => {
    const tally = new BatchUsageTally();
    tally.add({ ...line, cacheReadTokens: 2000 }, 0.001);
    tally.add(undefined, 0);
    expect(tally.record('anthropic', 'claude-haiku-4-5', undefined)).toEqual({
      provider: 'anthropic',
      source: 'results',
      confirmed: { inputTokens: 500, outputTokens: 20, cacheWriteTokens: 0, cacheReadTokens: 2000 },
      computedUsd: 0.001,
      confirmedUsd: 0.001,
    });
  });
});

describe("the run's confirmed cost", () => {
  const batches = (computedUsd: number, confirmedUsd: number) => ({
    openai: {
      batches: 2,
      fromBatchTotals: 2,
      inputTokens: 0,
      outputTokens: 0,
      cacheWriteTokens: 0,
      cacheReadTokens: 0,
      computedUsd,
      confirmedUsd,
    },
  });

  // [actual, provider's split cost, batches computed, batches confirmed] -> run and provider figures.
  it.each([
    ['agree: equal, not flagged', [1.25, 1.2, 1, 1], [1.25, 0, false], [1.2, 0]],
    ['bill 1% more: flagged', [1, 1, 1, 1.01], [1.01, 0.01, true], [1.01, 0.01]],
    ['bill 0.4% more: not flagged', [1, 1, 1, 1.004], [1.004, 0.004, false], [1.004, 0.004]],
  ] as const)('when the providers %s', (_, [actual, cost, computed, confirmed], run, provider) => {
    const byProvider = { openai: split(cost) };
    expect(confirmCosts(actual, byProvider, batches(computed, confirmed))).toEqual({
      confirmed: run[0],
      confirmedDifference: run[1],
      confirmedMismatch: run[2],
    });
    expect(byProvider.openai).toMatchObject({ confirmedUsd: provider[0], confirmedDifferenceUsd: provider[1] });
  });
});
