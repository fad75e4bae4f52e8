// Which requests carry a prompt-cache breakpoint. Anthropic caches a prompt prefix only where the
// request marks it (`cache_control`); a write costs 1.25x the input price and pays off only when
// later requests read it (0.1x). The system prompt is marked when its template has no placeholder:
// then every item of the run sends the same system text, and all but the first within the TTL read
// it. A system template with a {{field}} renders differently per item (at best a few values
// repeat), so marking it would mostly pay the write premium for nothing: it is left unmarked.
import { isAnthropicModel, type ResolvedSpec } from './spec';
import { templateFields } from './template';

export function cachesSystemPrompt(spec: Pick<ResolvedSpec, 'provider' | 'model' | 'template'>): boolean {
  const system = spec.template?.system;
  if (!system) return false;
  // Only Anthropic's wire has explicit breakpoints (OpenAI caches long prefixes by itself): other
  // runs keep their stored requests as they were.
  if (spec.provider !== 'anthropic' && !isAnthropicModel(spec.model)) return false;
  return templateFields(system).length === 0;
}

/** Anthropic's documented minimum cacheable prompt length, by model family (first match wins). */
const MIN_CACHEABLE_TOKENS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^claude-(haiku-4-5|opus-4-5|opus-4-6)/, 4096],
  [/^claude-(3-5-haiku|3-haiku|haiku-3)/, 2048],
];
const DEFAULT_MIN_CACHEABLE_TOKENS = 1024;

/** A prefix shorter than this is not cached, and nothing says so: Anthropic bills it as input. */
export function minCacheableTokens(model: string): number {
  return MIN_CACHEABLE_TOKENS.find(([pattern]) => pattern.test(model))?.[1] ?? DEFAULT_MIN_CACHEABLE_TOKENS;
}
