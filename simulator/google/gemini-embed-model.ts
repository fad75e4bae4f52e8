// The fake model's side of Gemini embeddings: what the API refuses in an EmbedContentRequest, and
// the deterministic unit vector it answers (the fake model's, as on the OpenAI side: the same text
// and length always get the same numbers). Shared by the sync route and the batch store.
import { answerEmbeddings } from '../core/fake-model';
import { nativeDimensions } from '../../common/embeddings';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The text of an EmbedContentRequest's `content.parts` (what is embedded and counted). */
function textOf(request: Record<string, unknown>): string | undefined {
  const parts = isObject(request.content) ? request.content.parts : undefined;
  if (!Array.isArray(parts) || parts.length === 0) return undefined;
  return parts.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('');
}

/** What the API refuses in one EmbedContentRequest, as a 400 message; undefined when it is fine. */
export function embedRequestProblem(request: unknown, model: string): string | undefined {
  if (!isObject(request)) return '* EmbedContentRequest: request is required';
  const text = textOf(request);
  if (text === undefined) return '* EmbedContentRequest.content: content.parts is required';
  if (text === '') return '* EmbedContentRequest.content: the text to embed is empty';
  const dims = request.outputDimensionality;
  if (dims === undefined) return undefined;
  const native = nativeDimensions(model) ?? 0;
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1 || dims > native)
    return `* EmbedContentRequest.output_dimensionality: must be between 1 and ${native}, got ${JSON.stringify(dims)}`;
  return undefined;
}

/** One embedding: its vector and the tokens billed for it (input only). */
export function answerEmbedRequest(request: Record<string, unknown>, model: string) {
  const dims = typeof request.outputDimensionality === 'number' ? request.outputDimensionality : undefined;
  const answer = answerEmbeddings({ model, input: textOf(request) ?? '', ...(dims ? { dimensions: dims } : {}) });
  return { values: answer.vectors[0], tokens: answer.promptTokens };
}

/**
 * A batch line's answer, once its request passed the checks and drew no fault: `{embedding:
 * {values}, tokenCount}` (SingleEmbedContentResponse). A vector has no text to corrupt: a corrupt
 * outcome answers clean, as OpenAI's embeddings do in this simulator.
 */
export function answerEmbedLine(request: Record<string, unknown>, model: string, hash: string) {
  const { values, tokens } = answerEmbedRequest(request, model);
  return {
    item: { response: { embedding: { values }, tokenCount: String(tokens) } },
    billed: { input: tokens, output: 0, hash, corrupted: false },
  };
}
