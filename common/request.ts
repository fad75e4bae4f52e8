// The provider-neutral request: what plan renders, the store keeps and submit sends. A chat request
// (messages) or an embedding request (one text to embed); chat requests carry no `kind`, so those
// stored before embeddings existed, and their dedup keys, stay what they were.

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

/** A chat completion: what a template renders. */
export interface ChatRequest {
  kind?: undefined;
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

/** One text to embed (`endpoint: embeddings`): the item's `embed` field as it is. */
export interface EmbeddingRequest {
  kind: 'embedding';
  model: string;
  input: string;
  /** Shortens the vector (text-embedding-3 models); the model's own length when absent. */
  dimensions?: number;
}

/** A provider-neutral request: what plan renders and submit sends. */
export type NeutralRequest = ChatRequest | EmbeddingRequest;

export function isEmbeddingRequest(request: NeutralRequest): request is EmbeddingRequest {
  return request.kind === 'embedding';
}

/**
 * For a provider with no embeddings API (Anthropic): the spec loader refuses such runs, so an
 * embedding request here is a bug, stopped before anything is sent.
 */
export function chatRequestOnly(request: NeutralRequest, provider: string): ChatRequest {
  if (isEmbeddingRequest(request)) throw new Error(`provider ${provider} has no embeddings API`);
  return request;
}
