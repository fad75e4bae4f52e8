// Pricing lookups: the built-in table (common/pricing.json) plus a spec's own `pricing` file, which
// adds models and overrides prices. Pricing is configuration: edit the JSON or the spec, not code.
import pricingTable from './pricing.json';

export type PriceMode = 'sync' | 'batch';
export interface ModelPrice {
  sync: [number, number];
  batch: [number, number];
  /** Prompt-cache writes and reads as multiples of the input price (default: pricing.json `_promptCache`). */
  promptCache?: { write: number; read: number };
  /** A dearer tier for a request whose prompt is over `over` tokens (its whole input and output). */
  longContext?: { over: number; sync: [number, number]; batch: [number, number] };
}
/** USD per 1M tokens by model id. */
export type PriceTable = Record<string, ModelPrice>;

export const BUILT_IN_PRICES = Object.fromEntries(
  Object.entries(pricingTable).filter(([key]) => !key.startsWith('_')),
) as unknown as PriceTable;

/**
 * `claude-sonnet-4-20250514` and `gpt-4.1-2025-04-14` price as `claude-sonnet-4` and `gpt-4.1`; a
 * Bedrock id (`us.anthropic.claude-haiku-4-5-20251001-v1:0`) as its vendor and base
 * (`anthropic.claude-haiku-4-5`): the cross-region prefix and the `-v1:0` version come off too.
 */
export function baseModelId(model: string): string {
  return model
    .replace(/^[a-z]{2,6}(-gov)?\.(?=(anthropic|amazon)\.)/, '')
    .replace(/-v\d+(:\d+)?$/, '')
    .replace(/-\d{4}-\d{2}-\d{2}$/, '')
    .replace(/-\d{8}$/, '');
}

/** A spec's prices come first (exact id, then base id), then the built-in table's. */
export function priceOf(model: string, overrides?: PriceTable): ModelPrice | undefined {
  return (
    overrides?.[model] ??
    overrides?.[baseModelId(model)] ??
    BUILT_IN_PRICES[model] ??
    BUILT_IN_PRICES[baseModelId(model)]
  );
}

/** Every model with a price: the built-in table with the overrides laid over it. */
export function priceTable(overrides?: PriceTable): PriceTable {
  return { ...BUILT_IN_PRICES, ...overrides };
}

export function costUsd(
  model: string,
  mode: PriceMode,
  inputTokens: number,
  outputTokens: number,
  overrides?: PriceTable,
): number {
  const price = priceOf(model, overrides);
  if (!price) return 0;
  const [inPerM, outPerM] = price[mode];
  return (inputTokens * inPerM + outputTokens * outPerM) / 1_000_000;
}
