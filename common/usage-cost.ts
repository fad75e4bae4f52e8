// What a provider's usage costs, prompt-cache tokens included. Anthropic reports the tokens written
// to and read from its prompt cache apart from `input_tokens` (cache_creation_input_tokens,
// cache_read_input_tokens) and bills them at multiples of the input price: 1.25x a write, 0.1x a
// read (5-minute TTL), the batch discount applying on top. The multiples are configuration
// (pricing.json `_promptCache`, or a model's own `promptCache`), not code.
import pricingTable from './pricing.json';
import { priceOf, type ModelPrice, type PriceMode, type PriceTable } from './pricing';

/** Tokens one answer was billed for. The cache fields are absent (0) where the provider has none. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens written to the provider's prompt cache (not part of inputTokens). */
  cacheWriteTokens?: number;
  /** Prompt tokens read from the provider's prompt cache (not part of inputTokens). */
  cacheReadTokens?: number;
}

/** Multiples of the input price at which prompt-cache writes and reads are billed. */
export interface PromptCacheRates {
  write: number;
  read: number;
}

export const DEFAULT_PROMPT_CACHE_RATES: PromptCacheRates = {
  write: pricingTable._promptCache.write,
  read: pricingTable._promptCache.read,
};

export function promptCacheRatesOf(model: string, overrides?: PriceTable): PromptCacheRates {
  return priceOf(model, overrides)?.promptCache ?? DEFAULT_PROMPT_CACHE_RATES;
}

/** Every prompt token of the usage, wherever it was billed: what the prompt was. */
export function promptTokensOf(usage: TokenUsage): number {
  return usage.inputTokens + (usage.cacheWriteTokens ?? 0) + (usage.cacheReadTokens ?? 0);
}

/**
 * USD one answer's usage costs on `model` in `mode`, cache writes and reads at their rates, at the
 * long-context tier when its prompt is over the tier's threshold; 0 for a model with no price.
 */
export function usageCostUsd(model: string, mode: PriceMode, usage: TokenUsage, overrides?: PriceTable): number {
  const tier = priceOf(model, overrides)?.longContext;
  return tokensCostUsd(model, mode, usage, overrides, tier && promptTokensOf(usage) > tier.over ? tier : undefined);
}

/**
 * USD token totals cost at the model's base rates (or the given tier's). For sums over many answers
 * (a batch's totals, a ledger): a tier applies per request, which a sum cannot tell.
 */
export function tokensCostUsd(
  model: string,
  mode: PriceMode,
  usage: TokenUsage,
  overrides?: PriceTable,
  tier?: Pick<ModelPrice, PriceMode>,
): number {
  const price = priceOf(model, overrides);
  if (!price) return 0;
  const [inPerM, outPerM] = (tier ?? price)[mode];
  const rates = price.promptCache ?? DEFAULT_PROMPT_CACHE_RATES;
  const input =
    usage.inputTokens + (usage.cacheWriteTokens ?? 0) * rates.write + (usage.cacheReadTokens ?? 0) * rates.read;
  return (input * inPerM + usage.outputTokens * outPerM) / 1_000_000;
}

/** USD the same prompt and answer would cost with no prompt cache: every prompt token at the input price. */
export function uncachedCostUsd(model: string, mode: PriceMode, usage: TokenUsage, overrides?: PriceTable): number {
  return usageCostUsd(model, mode, { inputTokens: promptTokensOf(usage), outputTokens: usage.outputTokens }, overrides);
}
