// Input tokens of a request, counted before anything is sent. OpenAI models are counted exactly
// with the o200k encoding (gpt-4.1, gpt-4o, gpt-5 and the o-series use it) plus the chat framing
// OpenAI documents (3 tokens a message, 3 to prime the reply). Anthropic publishes no tokenizer
// and its count-tokens endpoint costs a call per request, so Claude prompts are approximated: the
// o200k count plus 15% (Claude's tokenizer splits English prose into more tokens). A sample run
// (`estimate --sample N`) calibrates either against what the provider actually billed.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { isAnthropicModel, isEmbeddingRequest, type NeutralRequest } from '../common';

const TOKENS_PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
export const CLAUDE_TOKEN_FACTOR = 1.15;

export function countInputTokens(request: NeutralRequest): number {
  // An embedding input has no chat framing: its tokens are the text's. (OpenAI's embeddings models
  // use cl100k, which counts English within a few percent of o200k; usage fields say what was billed.)
  if (isEmbeddingRequest(request)) return countTokens(request.input, { disallowedSpecial: new Set() });
  let tokens = REPLY_PRIMING;
  // Text that spells a special token (<|endoftext|>) is text to the API: count it as such, never refuse it.
  for (const message of request.messages) {
    tokens += TOKENS_PER_MESSAGE + countTokens(message.content, { disallowedSpecial: new Set() });
  }
  return isAnthropicModel(request.model) ? Math.ceil(tokens * CLAUDE_TOKEN_FACTOR) : tokens;
}
