// Input tokens counted before anything is sent: o200k for OpenAI models with the chat framing
// (3 tokens a message, 3 to prime the reply); Claude prompts at that count plus 15%.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { CLAUDE_TOKEN_FACTOR, countInputTokens } from '../../activities/plan/token-count';
import type { ChatMessage } from '../../common';

const request = (model: string, ...messages: ChatMessage[]) => ({ model, messages, maxTokens: 100 });
const user = (content: string): ChatMessage => ({ role: 'user', content });

describe('countInputTokens', () => {
  it('counts an OpenAI prompt as o200k tokens plus the chat framing', () => {
    // o200k: "Hello" "," " world" "!"
    expect(countTokens('Hello, world!')).toBe(4);
    expect(countInputTokens(request('gpt-4.1-mini', user('Hello, world!')))).toBe(3 + 3 + 4);
  });

  it('adds three tokens for every message', () => {
    const system: ChatMessage = { role: 'system', content: 'Classify the ticket.' };
    const ticket = user('The quick brown fox jumps over the lazy dog.');
    expect(countInputTokens(request('gpt-4.1', system, ticket))).toBe(
      3 + (3 + countTokens(system.content)) + (3 + countTokens(ticket.content)),
    );
    expect(countInputTokens(request('gpt-4.1', user('')))).toBe(6);
  });

  it('counts a Claude prompt at the o200k count times 1.15, rounded up', () => {
    expect(CLAUDE_TOKEN_FACTOR).toBe(1.15);
    const prompt = user('Summarise this support ticket in one sentence: my invoice shows the wrong VAT number.');
    const openai = countInputTokens(request('gpt-4.1', prompt));
    expect(countInputTokens(request('claude-sonnet-4-20250514', prompt))).toBe(Math.ceil(openai * 1.15));
    // 10 tokens as OpenAI counts them: 11.5, so 12 for Claude.
    expect(countInputTokens(request('claude-haiku-4-5', user('Hello, world!')))).toBe(12);
  });

  it('counts text that spells a special token as text, as the API does, instead of failing the plan', () => {
    expect(countInputTokens(request('gpt-4.1-mini', user('see <|endoftext|> here')))).toBe(15);
  });
});
