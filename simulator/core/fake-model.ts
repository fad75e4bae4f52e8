// A deterministic stand-in for a model. The answer is a pure function of the request (a hash of
// its canonical body seeds the choices), so a retried request gets the same answer and tests can
// predict outputs. Free text echoes the prompt, so a test can see which item an output belongs to.
import { nativeDimensions } from '../../common/embeddings';
import { canonicalJson, hashSeed, requestHash } from './canonical';
import { sampleSchema, UNBREAKABLE, violateSchema } from './json-schema-sample';
import { Rng, seedFromString } from './random';

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatAnswer {
  content: string;
  usage: ChatUsage;
}

/** How the simulator spoils an answer it was told to corrupt (items.corruptRate). */
export type Corruption = 'none' | 'schema' | 'empty';

const ECHO_CHARS = 80;

/** The last user message's text: what the item was about. */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown } | null;
    if (m && m.role === 'user') return contentText(m.content);
  }
  return '';
}

/** Message content is a string or an array of parts; only text parts count. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content as Array<{ type?: unknown; text?: unknown }>) {
    if (part && typeof part.text === 'string') text += part.text;
  }
  return text;
}

/** A crude tokenizer (4 chars a token, 3 tokens of framing per message), stable and cheap. */
export function promptTokens(messages: unknown): number {
  if (!Array.isArray(messages)) return 0;
  let chars = 0;
  for (const m of messages as Array<{ content?: unknown } | null>) chars += contentText(m?.content).length;
  return Math.ceil(chars / 4) + 3 * messages.length;
}

export function maxTokensOf(body: Record<string, unknown>): number | undefined {
  const value = body.max_completion_tokens ?? body.max_tokens;
  return typeof value === 'number' && value > 0 ? value : undefined;
}

/** The json_schema of a `response_format`, when the request asks for structured output. */
export function responseSchema(body: Record<string, unknown>): unknown {
  const format = body.response_format as { type?: unknown; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === 'json_schema') return format.json_schema?.schema ?? {};
  return undefined;
}

/** `hash` (requestHash of the body) may be passed in when the caller already has it for the ledger. */
export function answerChat(
  body: Record<string, unknown>,
  corruption: Corruption = 'none',
  hash: string = requestHash(body),
): ChatAnswer {
  const rng = new Rng(hashSeed(hash));
  const schema = responseSchema(body);
  const format = (body.response_format as { type?: unknown } | undefined)?.type;
  const echo = `Answer to: ${lastUserText(body.messages).slice(0, ECHO_CHARS)}`;

  let content: string;
  if (corruption === 'empty') {
    content = '';
  } else if (corruption === 'schema' && schema !== undefined) {
    const broken = violateSchema(schema, rng);
    // A schema that accepts anything cannot be broken with valid JSON; an empty answer always is.
    content = broken === UNBREAKABLE ? '' : JSON.stringify(broken);
  } else if (corruption === 'schema') {
    content = '';
  } else if (schema !== undefined) {
    content = JSON.stringify(sampleSchema(schema, rng));
  } else if (format === 'json_object') {
    content = JSON.stringify({ answer: echo });
  } else {
    content = echo;
  }

  const prompt = promptTokens(body.messages);
  const max = maxTokensOf(body);
  // The brief's contract: usage is capped at max tokens but the content is never cut, so a
  // small max_tokens does not turn valid structured output into a parse failure.
  const completion = Math.min(Math.ceil(content.length / 4), max ?? Infinity);
  return {
    content,
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

/** The `chat.completion` object of the OpenAI spec around an answer. */
export function chatCompletionObject(id: string, createdSec: number, model: string, answer: ChatAnswer): object {
  return {
    id,
    object: 'chat.completion',
    created: createdSec,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer.content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      ...answer.usage,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_simulator',
  };
}

/**
 * chatCompletionObject as JSON text, written out by hand for the batch hot path: the same bytes as
 * `JSON.stringify(chatCompletionObject(id, createdSec, model, answer))` (a unit test holds it to
 * that) without building and walking the object. `modelJson` is the model id already as JSON.
 */
export function chatCompletionJson(id: string, createdSec: number, modelJson: string, answer: ChatAnswer): string {
  const u = answer.usage;
  return (
    `{"id":"${id}","object":"chat.completion","created":${createdSec},"model":${modelJson},` +
    `"choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(answer.content)},` +
    `"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],` +
    `"usage":{"prompt_tokens":${u.prompt_tokens},"completion_tokens":${u.completion_tokens},` +
    `"total_tokens":${u.total_tokens},"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},` +
    `"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,` +
    `"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_simulator"}`
  );
}

export interface EmbeddingAnswer {
  vectors: number[][];
  promptTokens: number;
}

/**
 * Deterministic unit vectors, one per input, seeded by the model and the input's text: the same text
 * always gets the same vector. As long as the model's own (1536 for text-embedding-3-small, 3072 for
 * -large) unless `dimensions` asks fewer; 16 for a model the simulator does not know.
 */
export function answerEmbeddings(body: Record<string, unknown>): EmbeddingAnswer {
  const raw = body.input;
  const inputs: unknown[] = Array.isArray(raw) && raw.length > 0 && typeof raw[0] !== 'number' ? raw : [raw];
  const dims =
    typeof body.dimensions === 'number' && body.dimensions > 0
      ? Math.min(body.dimensions, 4096)
      : (nativeDimensions(String(body.model)) ?? 16);
  let tokens = 0;
  const vectors = inputs.map((input) => {
    tokens += typeof input === 'string' ? Math.ceil(input.length / 4) : Array.isArray(input) ? input.length : 0;
    const rng = new Rng(seedFromString(`${String(body.model)}\u0000${canonicalJson(input)}`));
    const v = Array.from({ length: dims }, () => rng.next() * 2 - 1);
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => Number((x / norm).toFixed(6)));
  });
  return { vectors, promptTokens: tokens };
}

export function embeddingObject(model: string, answer: EmbeddingAnswer, encoding: unknown): object {
  return {
    object: 'list',
    model,
    data: answer.vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: encoding === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
    })),
    usage: { prompt_tokens: answer.promptTokens, total_tokens: answer.promptTokens },
  };
}
