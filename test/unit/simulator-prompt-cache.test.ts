// The simulator's Anthropic prompt cache as the official SDK sees it: the first request with a
// marked system prefix writes it, later ones read it until the TTL lapses, usage reports both apart
// from input_tokens, and the ledger counts and bills them (writes 1.25x, reads 0.1x, batch discount
// on top). Short prefixes (under the model's minimum) and unmarked prompts are never cached.
import Anthropic from '@anthropic-ai/sdk';
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import type { MessageCreateParamsNonStreaming, TextBlockParam } from '@anthropic-ai/sdk/resources/messages/messages';
import { costUsd } from '../../common/pricing';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { PromptCache, cacheablePrefix, minCacheableTokens } from '../../simulator/anthropic/prompt-cache';

const FAST = { batch: { validatingMs: 10, completionMs: 40 }, sync: { latencyMs: 0 } };
const MODEL = 'claude-sonnet-4';
/** 6,000 characters: 1,500 tokens at the simulator's 4 a token, over Sonnet's 1,024 minimum. */
const LONG_SYSTEM = 'You classify support tickets by policy. '.repeat(150);
const PREFIX_TOKENS = Math.ceil(LONG_SYSTEM.length / 4);

function params(i: number, system: MessageCreateParamsNonStreaming['system'], model = MODEL) {
  return {
    model,
    max_tokens: 50,
    system,
    messages: [{ role: 'user' as const, content: `Ticket ${i}: the parcel is late` }],
  };
}
const marked = (text = LONG_SYSTEM) => [{ type: 'text' as const, text, cache_control: { type: 'ephemeral' as const } }];

describe('PromptCache', () => {
  it("knows Anthropic's minimum cacheable length per model", () => {
    expect(minCacheableTokens('claude-sonnet-4')).toBe(1024);
    expect(minCacheableTokens('claude-sonnet-4-20250514')).toBe(1024);
    expect(minCacheableTokens('claude-haiku-4-5')).toBe(4096);
    expect(minCacheableTokens('claude-opus-4-5')).toBe(4096);
    expect(minCacheableTokens('claude-3-5-haiku-20241022')).toBe(2048);
  });

  it('finds the prefix up to the last breakpoint, keyed by model, tools and system', () => {
    const text: TextBlockParam[] = [
      { type: 'text', text: 'a'.repeat(400) },
      ...marked('b'.repeat(4000)),
      { type: 'text', text: 'tail' },
    ];
    expect(cacheablePrefix(params(1, text))?.tokens).toBe(1100);
    expect(cacheablePrefix(params(1, LONG_SYSTEM))).toBeUndefined();
    expect(cacheablePrefix(params(1, [{ type: 'text', text: LONG_SYSTEM }]))).toBeUndefined();
    const key = cacheablePrefix(params(1, marked()))!.key;
    expect(cacheablePrefix(params(2, marked()))!.key).toBe(key);
    expect(cacheablePrefix(params(1, marked(), 'claude-opus-4-5'))!.key).not.toBe(key);
    expect(cacheablePrefix({ ...params(1, marked()), tools: [{ name: 'x' }] })!.key).not.toBe(key);
  });

  it('writes once, reads within the TTL (refreshing it), and writes again after it lapses', () => {
    const cache = new PromptCache(() => 1000);
    const p = params(1, marked()) as Record<string, unknown>;
    expect(cache.use(p, 0)).toEqual({ writeTokens: PREFIX_TOKENS, readTokens: 0 });
    expect(cache.use(p, 900)).toEqual({ writeTokens: 0, readTokens: PREFIX_TOKENS });
    expect(cache.use(p, 1800)).toEqual({ writeTokens: 0, readTokens: PREFIX_TOKENS }); // refreshed at 900
    expect(cache.use(p, 2801)).toEqual({ writeTokens: PREFIX_TOKENS, readTokens: 0 });
  });

  it('never caches a prefix under the minimum', () => {
    const cache = new PromptCache(() => 1000);
    const haiku = params(1, marked(), 'claude-haiku-4-5') as Record<string, unknown>; // 1,500 < 4,096
    expect(cache.use(haiku, 0)).toEqual({ writeTokens: 0, readTokens: 0 });
    expect(cache.use(haiku, 1)).toEqual({ writeTokens: 0, readTokens: 0 });
  });
});

describe('the simulator with prompt caching', () => {
  let sim: RunningSimulator;
  let client: Anthropic;
  beforeAll(async () => {
    sim = await startSimulator({ profile: FAST });
    client = new Anthropic({ baseURL: sim.url, apiKey: 'sim', maxRetries: 0 });
  });
  afterAll(async () => sim.close());
  beforeEach(() => {
    sim.reset();
    sim.setProfile(FAST);
  });

  it('sync: the first call writes the system prefix, the next reads it; input_tokens excludes both', async () => {
    const plain = await client.messages.create(params(1, LONG_SYSTEM));
    expect(plain.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    const total = plain.usage.input_tokens;

    const first = await client.messages.create(params(1, marked()));
    const second = await client.messages.create(params(2, marked()));
    expect(first.usage).toMatchObject({
      input_tokens: total - PREFIX_TOKENS,
      cache_creation_input_tokens: PREFIX_TOKENS,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: PREFIX_TOKENS, ephemeral_1h_input_tokens: 0 },
    });
    expect(second.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: PREFIX_TOKENS });
    expect(second.usage.input_tokens).toBeLessThan(PREFIX_TOKENS);

    const ledger = sim.ledger();
    expect(ledger).toMatchObject({
      requestsBilled: 3,
      cacheWriteTokens: PREFIX_TOKENS,
      cacheReadTokens: PREFIX_TOKENS,
    });
    expect(ledger.byMode.sync).toMatchObject({ cacheWriteTokens: PREFIX_TOKENS, cacheReadTokens: PREFIX_TOKENS });
    const billedInput = plain.usage.input_tokens + first.usage.input_tokens + second.usage.input_tokens;
    const output = plain.usage.output_tokens + first.usage.output_tokens + second.usage.output_tokens;
    const expected =
      costUsd(MODEL, 'sync', billedInput, output) +
      costUsd(MODEL, 'sync', PREFIX_TOKENS * 1.25 + PREFIX_TOKENS * 0.1, 0);
    expect(ledger.costUsd).toBeCloseTo(expected, 9);
  });

  it('sync: a short or unmarked system prompt is never cached', async () => {
    const short = await client.messages.create(params(1, marked('Classify the ticket.')));
    const again = await client.messages.create(params(2, marked('Classify the ticket.')));
    const unmarked = await client.messages.create(params(3, [{ type: 'text', text: LONG_SYSTEM }]));
    for (const m of [short, again, unmarked])
      expect(m.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    expect(sim.ledger()).toMatchObject({ cacheWriteTokens: 0, cacheReadTokens: 0 });
  });

  it('sync: after the TTL (profile promptCache.ttlMs) the prefix is written again', async () => {
    sim.setProfile({ ...FAST, promptCache: { ttlMs: 50 } });
    await client.messages.create(params(1, marked()));
    await new Promise((resolve) => setTimeout(resolve, 120));
    const later = await client.messages.create(params(2, marked()));
    expect(later.usage).toMatchObject({ cache_creation_input_tokens: PREFIX_TOKENS, cache_read_input_tokens: 0 });
    expect(sim.ledger()).toMatchObject({ cacheWriteTokens: 2 * PREFIX_TOKENS, cacheReadTokens: 0 });
  });

  it('batch: one write, then reads for the rest, billed at the batch price with the cache rates', async () => {
    const n = 20;
    const requests = Array.from({ length: n }, (_, i) => ({ custom_id: `t-${i}`, params: params(i, marked()) }));
    const created = await client.messages.batches.create({ requests });
    for (let b = created; b.processing_status !== 'ended'; b = await client.messages.batches.retrieve(created.id))
      await new Promise((resolve) => setTimeout(resolve, 10));
    const lines: MessageBatchIndividualResponse[] = [];
    for await (const line of await client.messages.batches.results(created.id)) lines.push(line);
    const usages = lines.map((l) => (l.result.type === 'succeeded' ? l.result.message.usage : undefined));
    expect(usages.filter((u) => u?.cache_creation_input_tokens === PREFIX_TOKENS)).toHaveLength(1);
    expect(usages.filter((u) => u?.cache_read_input_tokens === PREFIX_TOKENS)).toHaveLength(n - 1);

    const ledger = sim.ledger();
    expect(ledger.byMode.batch).toMatchObject({
      requestsBilled: n,
      cacheWriteTokens: PREFIX_TOKENS,
      cacheReadTokens: (n - 1) * PREFIX_TOKENS,
    });
    const input = usages.reduce((s, u) => s + (u?.input_tokens ?? 0), 0);
    const output = usages.reduce((s, u) => s + (u?.output_tokens ?? 0), 0);
    // claude-sonnet-4 batch input $1.50 per 1M: a write at $1.875, a read at $0.15.
    const expected = (input * 1.5 + output * 7.5 + PREFIX_TOKENS * 1.875 + (n - 1) * PREFIX_TOKENS * 0.15) / 1e6;
    expect(ledger.costUsd).toBeCloseTo(expected, 9);
    expect(ledger.doubleBilled).toBe(0);
  });
});
