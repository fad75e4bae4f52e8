// Input tokens of a request, counted before anything is sent. OpenAI models are counted exactly
// with the o200k encoding (gpt-4.1, gpt-4o, gpt-5 and the o-series use it) plus the chat framing
// OpenAI documents (3 tokens a message, 3 to prime the reply). Anthropic publishes no tokenizer
// and its count-tokens endpoint costs a call per request, so Claude prompts are approximated: the
// o200k count plus 15% (Claude's tokenizer splits English prose into more tokens). A sample run
// (`estimate --sample N`) calibrates either against what the provider actually billed.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { isAnthropicModel, isEmbeddingRequest, type NeutralRequest } from '../../common';

const TOKENS_PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
export const CLAUDE_TOKEN_FACTOR = 1.15;

/**
 * A run's system prompt is the same text on every line: its count is kept rather than made again
 * per line (a tenth of plan's tokenizer time on short prompts). Bounded: templated system prompts
 * that differ per line would otherwise fill it.
 */
const systemCounts = new Map<string, number>();
const SYSTEM_COUNTS_KEPT = 256;

/** Text that spells a special token (<|endoftext|>) is text to the API: counted as such, never refused. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

function countText(text: string): number {
  return countTokens(text, AS_TEXT);
}

function countSystem(text: string): number {
  let count = systemCounts.get(text);
  if (count === undefined) {
    if (systemCounts.size >= SYSTEM_COUNTS_KEPT) systemCounts.clear();
    systemCounts.set(text, (count = countText(text)));
  }
  return count;
}

/** Input tokens of one model's count seen through another's tokenizer (Claude's is approximated). */
export function retokenized(tokens: number, from: string, to: string): number {
  if (isAnthropicModel(from) === isAnthropicModel(to)) return tokens;
  return Math.round(isAnthropicModel(to) ? tokens * CLAUDE_TOKEN_FACTOR : tokens / CLAUDE_TOKEN_FACTOR);
}

/** The tokens a system prompt adds to each request of `model`, counted as countInputTokens counts them. */
export function countSystemTokens(text: string, model: string): number {
  const tokens = TOKENS_PER_MESSAGE + countSystem(text);
  return isAnthropicModel(model) ? Math.ceil(tokens * CLAUDE_TOKEN_FACTOR) : tokens;
}

export function countInputTokens(request: NeutralRequest): number {
  // An embedding input has no chat framing: its tokens are the text's. (OpenAI's embeddings models
  // use cl100k, which counts English within a few percent of o200k; usage fields say what was billed.)
  if (isEmbeddingRequest(request)) return countText(request.input);
  let tokens = REPLY_PRIMING;
  for (const message of request.messages) {
    tokens += TOKENS_PER_MESSAGE + (message.role === 'system' ? countSystem : countText)(message.content);
  }
  return isAnthropicModel(request.model) ? Math.ceil(tokens * CLAUDE_TOKEN_FACTOR) : tokens;
}
