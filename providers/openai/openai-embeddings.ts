// The embeddings half of the OpenAI wire (also Azure's and the simulator's): the request body of one
// embedding, and the vector out of an answer. Vectors are asked for as floats in both lanes, so a
// text gets the same numbers from a batch and from a sync call (the SDK's default base64 would come
// back as float32 values, rounded differently).
import {
  OPENAI_CHAT_ENDPOINT,
  OPENAI_EMBEDDINGS_ENDPOINT,
  type EmbeddingRequest,
  type NeutralRequest,
} from '../../common';
import type { ItemResult } from '../core/types';

export function embeddingBody(request: EmbeddingRequest) {
  return {
    model: request.model,
    input: request.input,
    encoding_format: 'float' as const,
    ...(request.dimensions ? { dimensions: request.dimensions } : {}),
  };
}

/** The batch endpoint a request belongs to, as the service names it: Azure drops the /v1. */
export function batchEndpointOf(request: NeutralRequest, azure: boolean): string {
  const endpoint = request.kind === 'embedding' ? OPENAI_EMBEDDINGS_ENDPOINT : OPENAI_CHAT_ENDPOINT;
  return azure ? endpoint.replace(/^\/v1/, '') : endpoint;
}

/** An embeddings response: `{object: "list", data: [{embedding}], usage}`. */
export function isEmbeddingResponse(body: Record<string, unknown>): boolean {
  return body.object === 'list' && Array.isArray(body.data);
}

/** Base64 is little-endian float32, as the API sends it when asked for it. */
function decodeBase64(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4)));
}

/** One embedding answer as an item result: the vector as JSON text (what the store keeps), input usage only. */
export function embeddingResult(customId: string, body: Record<string, unknown>): ItemResult {
  const data = body.data as { embedding?: unknown }[];
  const usage = body.usage as { prompt_tokens?: number } | undefined;
  const tokens = { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: 0 };
  const embedding = data[0]?.embedding;
  const vector = typeof embedding === 'string' ? decodeBase64(embedding) : embedding;
  if (!Array.isArray(vector)) return { customId, ok: false, message: 'no embedding in the answer', usage: tokens };
  return { customId, ok: true, content: JSON.stringify(vector), usage: tokens };
}
