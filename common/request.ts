// The provider-neutral request: what plan renders, the store keeps and submit sends.

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

/** A provider-neutral request: what plan renders and submit sends. */
export interface NeutralRequest {
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
  /**
   * The system message is the same for every item of the run (its template has no placeholder):
   * a provider with explicit prompt caching (Anthropic) marks it as a cache breakpoint. It changes
   * what the call costs, never its answer, so it is no part of the dedup key.
   */
  cacheSystem?: true;
}
