// Gemini embeddings (gemini-embedding-001) through @google/genai: batches.createEmbeddings (the API's
// asyncBatchEmbedContent) for the batch strikes, models.embedContent for the sync lane.
//
// An embeddings batch always goes as an uploaded JSONL file of `{key, request}` lines, never inline:
// the SDK's inline form (`inlinedRequests: {contents, config}`) carries no key per request, and its
// answers would have to be matched by position, which we never do (a lost or reordered line would
// hand one item another's vector). The file's answers come back keyed.
import { isEmbeddingRequest, type EmbeddingRequest, type NeutralRequest } from '../../common';
import { withBatchFile } from '../core/batch-file';
import type { BatchRequest, ItemResult } from '../core/types';
import type { BatchJob, GoogleGenAI, JobError } from './genai';
import { geminiCall } from './gemini-errors';

function embeddingOnly(request: NeutralRequest): EmbeddingRequest {
  if (!isEmbeddingRequest(request)) throw new Error('one Gemini batch cannot mix embeddings and chat requests');
  return request;
}

/** One EmbedContentRequest as the REST API spells it (the file line's `request`). */
export function embedContentRequest(request: EmbeddingRequest): Record<string, unknown> {
  return {
    content: { parts: [{ text: request.input }] },
    ...(request.dimensions ? { outputDimensionality: request.dimensions } : {}),
  };
}

/** Uploads the requests as a keyed JSONL file and creates the embeddings batch on it. */
export async function createEmbeddingBatch(
  client: GoogleGenAI,
  requests: AsyncIterable<BatchRequest>,
  model: string,
  displayName: (count: number) => string,
): Promise<BatchJob> {
  let count = 0;
  const toLine = (r: BatchRequest) => {
    count += 1;
    return JSON.stringify({ key: r.customId, request: embedContentRequest(embeddingOnly(r.request)) });
  };
  const file = await withBatchFile(requests, toLine, (contents) =>
    geminiCall(() =>
      client.files.upload({
        file: contents,
        config: { mimeType: 'application/jsonl', displayName: `llmbatch-embeddings-${model}` },
      }),
    ),
  );
  if (!file.name) throw new Error('the Gemini file upload returned no file name');
  const fileName = file.name;
  return geminiCall(() =>
    client.batches.createEmbeddings({ model, src: { fileName }, config: { displayName: displayName(count) } }),
  );
}

/** Input tokens only: an embedding has no output. */
function embeddingUsage(tokens: number) {
  return { inputTokens: tokens, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 };
}

/** A responses-file line's answer (SingleEmbedContentResponse): the vector as JSON text, as the store keeps it. */
export function geminiEmbeddingResult(key: string, answer: object | undefined): ItemResult {
  const response = answer as { embedding?: { values?: number[] }; tokenCount?: string | number } | undefined;
  const usage = embeddingUsage(Number(response?.tokenCount ?? 0) || 0);
  const values = response?.embedding?.values;
  if (!Array.isArray(values)) return { customId: key, ok: false, message: 'no embedding in the answer', usage };
  return { customId: key, ok: true, content: JSON.stringify(values), usage };
}

/** Whether a responses-file line answers an embedding (its `response` has `embedding`). */
export function isEmbeddingLine(line: { response?: object; error?: JobError }): boolean {
  return line.response !== undefined && 'embedding' in line.response;
}

/** One sync embedding (strike 3): the SDK's embedContent, billed by the answer's usageMetadata. */
export async function embedSync(
  client: GoogleGenAI,
  request: BatchRequest,
  signal: AbortSignal | undefined,
): Promise<ItemResult> {
  const neutral = embeddingOnly(request.request);
  const response = await geminiCall(
    () =>
      client.models.embedContent({
        model: neutral.model,
        contents: neutral.input,
        config: { ...(neutral.dimensions ? { outputDimensionality: neutral.dimensions } : {}), abortSignal: signal },
      }),
    signal,
  );
  const values = response.embeddings?.[0]?.values;
  return geminiEmbeddingResult(request.customId, {
    embedding: { values },
    tokenCount: response.usageMetadata?.promptTokenCount,
  });
}
