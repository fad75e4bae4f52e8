// Our side of Anthropic's prompt caching: which requests carry a cache breakpoint, how the adapter
// writes it on the wire and reads the usage back, and what cache writes and reads cost.
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages';
import { dedupKeyOf } from '../../activities/plan/request-key';
import {
  DEFAULT_PROMPT_CACHE_RATES,
  cachesSystemPrompt,
  costUsd,
  promptCacheRatesOf,
  promptTokensOf,
  uncachedCostUsd,
  usageCostUsd,
  type NeutralRequest,
  type PriceTable,
  type ProviderName,
} from '../../common';
import { messageParams, usageOf } from '../../providers/anthropic/anthropic-batch';

const usage = { inputTokens: 1000, outputTokens: 200, cacheWriteTokens: 4000, cacheReadTokens: 8000 };

describe('usageCostUsd', () => {
  it("bills cache writes at 1.25x and reads at 0.1x of the model's input price", () => {
    expect(DEFAULT_PROMPT_CACHE_RATES).toEqual({ write: 1.25, read: 0.1 });
    // claude-sonnet-4 sync: $3 in, $15 out per 1M.
    const expected = (1000 * 3 + 4000 * 3.75 + 8000 * 0.3 + 200 * 15) / 1e6;
    expect(usageCostUsd('claude-sonnet-4', 'sync', usage)).toBeCloseTo(expected, 12);
  });

  it('applies the batch discount on top of the cache rates', () => {
    // claude-sonnet-4 batch: $1.50 in, $7.50 out per 1M.
    const expected = (1000 * 1.5 + 4000 * 1.875 + 8000 * 0.15 + 200 * 7.5) / 1e6;
    expect(usageCostUsd('claude-sonnet-4', 'batch', usage)).toBeCloseTo(expected, 12);
    expect(usageCostUsd('claude-sonnet-4', 'batch', usage)).toBeCloseTo(
      usageCostUsd('claude-sonnet-4', 'sync', usage) / 2,
      12,
    );
  });

  it('is the plain price when there are no cache tokens, and 0 for a model with no price', () => {
    const plain = { inputTokens: 1234, outputTokens: 56 };
    expect(usageCostUsd('claude-haiku-4-5', 'batch', plain)).toBe(costUsd('claude-haiku-4-5', 'batch', 1234, 56));
    expect(usageCostUsd('no-such-model', 'sync', usage)).toBe(0);
  });

  it("takes a pricing file's own cache rates for a model", () => {
    const overrides: PriceTable = {
      'claude-sonnet-4': { sync: [3, 15], batch: [1.5, 7.5], promptCache: { write: 2, read: 0.5 } },
    };
    expect(promptCacheRatesOf('claude-sonnet-4', overrides)).toEqual({ write: 2, read: 0.5 });
    expect(promptCacheRatesOf('claude-haiku-4-5', overrides)).toEqual(DEFAULT_PROMPT_CACHE_RATES);
    const expected = (1000 * 3 + 4000 * 6 + 8000 * 1.5 + 200 * 15) / 1e6;
    expect(usageCostUsd('claude-sonnet-4', 'sync', usage, overrides)).toBeCloseTo(expected, 12);
  });

  it('prices the same prompt without a cache at the input price for every prompt token', () => {
    expect(promptTokensOf(usage)).toBe(13_000);
    expect(uncachedCostUsd('claude-sonnet-4', 'batch', usage)).toBeCloseTo((13_000 * 1.5 + 200 * 7.5) / 1e6, 12);
    // 49 reads of a 4000-token prefix after one write: far cheaper than sending it 50 times.
    const cached = { inputTokens: 50 * 100, outputTokens: 50 * 20, cacheWriteTokens: 4000, cacheReadTokens: 49 * 4000 };
    expect(usageCostUsd('claude-sonnet-4', 'batch', cached)).toBeLessThan(
      0.2 * uncachedCostUsd('claude-sonnet-4', 'batch', cached),
    );
  });
});

describe('cachesSystemPrompt', () => {
  const spec = (system: string | undefined, model = 'claude-sonnet-4', provider: ProviderName = 'anthropic') => ({
    provider,
    model,
    template: { system, user: 'Ticket: {{body}}' },
  });

  it('marks a system prompt that every item shares, on the Anthropic wire', () => {
    expect(cachesSystemPrompt(spec('You classify support tickets.'))).toBe(true);
    expect(cachesSystemPrompt(spec('You classify support tickets.', 'claude-haiku-4-5', 'simulator'))).toBe(true);
  });

  it('leaves a system prompt with a placeholder unmarked: it differs per item', () => {
    expect(cachesSystemPrompt(spec('You answer in {{language}}.'))).toBe(false);
  });

  it('marks nothing without a system prompt, or off the Anthropic wire', () => {
    expect(cachesSystemPrompt(spec(undefined))).toBe(false);
    expect(cachesSystemPrompt(spec('You classify support tickets.', 'gpt-4.1-mini', 'simulator'))).toBe(false);
    expect(cachesSystemPrompt(spec('You classify support tickets.', 'gpt-4.1-mini', 'openai'))).toBe(false);
  });
});

describe('the Anthropic adapter', () => {
  const request = (cacheSystem?: true): NeutralRequest => ({
    model: 'claude-sonnet-4',
    maxTokens: 100,
    messages: [
      { role: 'system', content: 'You classify support tickets.' },
      { role: 'user', content: 'Ticket: late parcel' },
    ],
    ...(cacheSystem ? { cacheSystem } : {}),
  });

  it('sends a marked system prompt as one text block with an ephemeral cache_control', () => {
    expect(messageParams(request(true), undefined).system).toEqual([
      { type: 'text', text: 'You classify support tickets.', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('sends an unmarked system prompt as plain text, as before', () => {
    expect(messageParams(request(), undefined).system).toBe('You classify support tickets.');
  });

  it('reads the cache tokens apart from input_tokens, null as 0', () => {
    const wire = {
      input_tokens: 12,
      output_tokens: 30,
      cache_creation_input_tokens: 2048,
      cache_read_input_tokens: null,
    } as unknown as Usage;
    expect(usageOf(wire)).toEqual({ inputTokens: 12, outputTokens: 30, cacheWriteTokens: 2048, cacheReadTokens: 0 });
  });

  it('keeps the dedup key of a request whether or not it is marked', () => {
    expect(dedupKeyOf('anthropic', request(true), undefined)).toBe(dedupKeyOf('anthropic', request(), undefined));
  });
});
