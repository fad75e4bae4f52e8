// Prices per 1M tokens: a spec's own prices first, dated model ids priced as their base model,
// and the dollars a number of tokens cost in each mode.
import { BUILT_IN_PRICES, costUsd, priceOf, priceTable, type PriceTable } from '../../common';

const gpt41 = { sync: [2, 8], batch: [1, 4] };
const sonnet = { sync: [3, 15], batch: [1.5, 7.5] };

describe('priceOf', () => {
  it('finds a built-in model', () => {
    expect(priceOf('gpt-4.1')).toMatchObject(gpt41);
    expect(priceOf('claude-sonnet-4')).toMatchObject(sonnet);
  });

  it('prices dated variants as their base model', () => {
    expect(priceOf('gpt-4.1-2025-04-14')).toMatchObject(gpt41);
    expect(priceOf('claude-sonnet-4-20250514')).toMatchObject(sonnet);
    expect(priceOf('gpt-4.1-mini-2025-04-14')).toMatchObject({ sync: [0.4, 1.6], batch: [0.2, 0.8] });
    expect(priceOf('claude-haiku-4-5-20251001')).toEqual({ sync: [1, 5], batch: [0.5, 2.5] });
  });

  it('knows nothing of a model with no price', () => {
    expect(priceOf('gpt-3.5-turbo')).toBeUndefined();
  });

  it("takes a spec's price before the built-in one, for the model and its dated variants", () => {
    const overrides: PriceTable = { 'gpt-4.1': { sync: [3, 12], batch: [1.5, 6] } };
    expect(priceOf('gpt-4.1', overrides)).toEqual(overrides['gpt-4.1']);
    expect(priceOf('gpt-4.1-2025-04-14', overrides)).toEqual(overrides['gpt-4.1']);
    expect(priceOf('gpt-4.1-mini', overrides)).toEqual(BUILT_IN_PRICES['gpt-4.1-mini']);
  });

  it("takes a spec's price for the exact dated id before its price for the base model", () => {
    const overrides: PriceTable = {
      'gpt-4.1': { sync: [3, 12], batch: [1.5, 6] },
      'gpt-4.1-2025-04-14': { sync: [2.5, 10], batch: [1.25, 5] },
    };
    expect(priceOf('gpt-4.1-2025-04-14', overrides)).toEqual({ sync: [2.5, 10], batch: [1.25, 5] });
    expect(priceOf('gpt-4.1', overrides)).toEqual({ sync: [3, 12], batch: [1.5, 6] });
  });

  it("prices a model only the spec's file knows", () => {
    const overrides: PriceTable = { 'my-finetune': { sync: [4, 16], batch: [2, 8] } };
    expect(priceOf('my-finetune', overrides)).toEqual({ sync: [4, 16], batch: [2, 8] });
    expect(priceOf('my-finetune')).toBeUndefined();
  });
});

describe('costUsd', () => {
  it('bills input and output tokens at the mode price per million', () => {
    expect(costUsd('gpt-4.1-mini', 'batch', 1_000_000, 500_000)).toBeCloseTo(0.6, 12);
    expect(costUsd('gpt-4.1-mini', 'sync', 1_000_000, 500_000)).toBeCloseTo(1.2, 12);
    expect(costUsd('claude-sonnet-4-20250514', 'sync', 2000, 1000)).toBeCloseTo(0.021, 12);
    expect(costUsd('claude-sonnet-4-20250514', 'batch', 2000, 1000)).toBeCloseTo(0.0105, 12);
  });

  it("bills at the spec's prices when it has them", () => {
    const overrides: PriceTable = { 'gpt-4.1': { sync: [3, 12], batch: [1.5, 6] } };
    expect(costUsd('gpt-4.1-2025-04-14', 'batch', 1_000_000, 1_000_000, overrides)).toBeCloseTo(7.5, 12);
    expect(costUsd('gpt-4.1-2025-04-14', 'batch', 1_000_000, 1_000_000)).toBeCloseTo(5, 12);
  });

  it('bills nothing for a model with no price', () => {
    expect(costUsd('gpt-3.5-turbo', 'sync', 1_000_000, 1_000_000)).toBe(0);
  });
});

describe('priceTable', () => {
  it('lists every built-in model and no comment key', () => {
    const table = priceTable();
    expect(Object.keys(table).sort()).toEqual([
      'amazon.nova-lite',
      'amazon.nova-micro',
      'amazon.nova-pro',
      'anthropic.claude-haiku-4-5',
      'anthropic.claude-sonnet-4',
      'anthropic.claude-sonnet-4-5',
      'claude-haiku-4-5',
      'claude-opus-4-5',
      'claude-sonnet-4',
      'claude-sonnet-4-5',
      'gemini-2.0-flash',
      'gemini-2.5-flash',
      'gemini-2.5-flash-lite',
      'gemini-2.5-pro',
      'gemini-embedding-001',
      'gpt-4.1',
      'gpt-4.1-mini',
      'gpt-4.1-nano',
      'gpt-5-mini',
      'text-embedding-3-large',
      'text-embedding-3-small',
      'text-embedding-ada-002',
    ]);
  });

  it("lays the spec's prices over the built-in table without changing it", () => {
    const overrides: PriceTable = {
      'gpt-4.1': { sync: [3, 12], batch: [1.5, 6] },
      'my-finetune': { sync: [4, 16], batch: [2, 8] },
    };
    const table = priceTable(overrides);
    expect(table['gpt-4.1']).toEqual({ sync: [3, 12], batch: [1.5, 6] });
    expect(table['my-finetune']).toEqual({ sync: [4, 16], batch: [2, 8] });
    expect(table['claude-sonnet-4']).toMatchObject(sonnet);
    expect(priceTable()['gpt-4.1']).toMatchObject(gpt41);
    expect(BUILT_IN_PRICES['my-finetune']).toBeUndefined();
  });
});
