// Anthropic's prompt cache, as the simulator keeps it. A request whose system prompt carries a
// `cache_control` breakpoint has a cacheable prefix: the model, the tools and the system blocks up
// to the last breakpoint. The first request with a given prefix writes it (cache_creation_input_tokens),
// later ones within the TTL read it (cache_read_input_tokens) and refresh the TTL, as Anthropic's
// "5 minutes from last use" does; both are apart from input_tokens. A prefix shorter than the model's
// minimum is not cached and nothing says so (as at Anthropic). Breakpoints inside messages and the
// 1-hour TTL are not modelled: llmbatch marks only the system prompt.
import { minCacheableTokens } from '../../common/prompt-cache';
import { requestHash } from '../core/canonical';

export { minCacheableTokens };

export interface CacheUse {
  writeTokens: number;
  readTokens: number;
}

export const NO_CACHE_USE: CacheUse = { writeTokens: 0, readTokens: 0 };

interface TextBlock {
  text?: unknown;
  cache_control?: unknown;
}

/** The cacheable prefix of the params (key and tokens), or undefined when nothing is marked. */
export function cacheablePrefix(params: Record<string, unknown>): { key: string; tokens: number } | undefined {
  if (!Array.isArray(params.system)) return undefined; // a plain string cannot carry a breakpoint
  const blocks = params.system as Array<TextBlock | null>;
  let end = -1;
  blocks.forEach((b, i) => {
    if (b && typeof b === 'object' && b.cache_control) end = i;
  });
  if (end < 0) return undefined;
  const prefix = blocks.slice(0, end + 1);
  let chars = 0;
  for (const b of prefix) if (typeof b?.text === 'string') chars += b.text.length;
  // The fake model counts system text at 4 characters a token (anthropic-model.ts): the same here,
  // so that the cached part never exceeds the prompt it is part of.
  const tokens = Math.ceil(chars / 4);
  return { key: requestHash({ model: params.model, tools: params.tools ?? null, system: prefix }), tokens };
}

export class PromptCache {
  /** Prefix key -> when it expires (ms). */
  private readonly entries = new Map<string, number>();

  constructor(private readonly ttlMs: () => number) {}

  /** What one billed request writes to or reads from the cache at `nowMs`. */
  use(params: Record<string, unknown>, nowMs: number): CacheUse {
    const prefix = cacheablePrefix(params);
    if (!prefix || prefix.tokens < minCacheableTokens(String(params.model))) return NO_CACHE_USE;
    const expires = this.entries.get(prefix.key);
    this.entries.set(prefix.key, nowMs + this.ttlMs());
    if (expires !== undefined && expires > nowMs) return { writeTokens: 0, readTokens: prefix.tokens };
    return { writeTokens: prefix.tokens, readTokens: 0 };
  }

  clear(): void {
    this.entries.clear();
  }
}
