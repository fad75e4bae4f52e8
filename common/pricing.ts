// Pricing lookups over common/pricing.json. Pricing is configuration: edit the JSON, not code.
import pricingTable from './pricing.json';

export type PriceMode = 'sync' | 'batch';
export interface ModelPrice {
  sync: [number, number];
  batch: [number, number];
}

const TABLE = Object.fromEntries(
  Object.entries(pricingTable).filter(([key]) => !key.startsWith('_')),
) as unknown as Record<string, ModelPrice>;

/** `claude-sonnet-4-20250514` and `gpt-4.1-2025-04-14` price as `claude-sonnet-4` and `gpt-4.1`. */
export function baseModelId(model: string): string {
  return model.replace(/-\d{4}-\d{2}-\d{2}$/, '').replace(/-\d{8}$/, '');
}

export function priceOf(model: string): ModelPrice | undefined {
  return TABLE[model] ?? TABLE[baseModelId(model)];
}

export function costUsd(model: string, mode: PriceMode, inputTokens: number, outputTokens: number): number {
  const price = priceOf(model);
  if (!price) return 0;
  const [inPerM, outPerM] = price[mode];
  return (inputTokens * inPerM + outputTokens * outPerM) / 1_000_000;
}
