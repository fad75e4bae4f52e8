// The likely size of an answer before any answer exists: a typical JSON instance of the output
// schema (about 3.5 characters a token) plus a 25% buffer, never above maxTokens; free text is
// guessed at half of maxTokens.
import { likelyOutputTokens } from '../../common';

/** Tokens the estimate gives an answer of this many characters: 3.5 a token, plus 25%. */
const tokensOf = (chars: number) => Math.ceil((chars / 3.5) * 1.25);

describe('likelyOutputTokens', () => {
  it('guesses half of maxTokens for free text', () => {
    expect(likelyOutputTokens(undefined, 1024)).toBe(512);
    expect(likelyOutputTokens(undefined, 101)).toBe(51);
    expect(likelyOutputTokens(undefined, 1)).toBe(1);
  });

  it('sizes an object as a typical instance: enums at their mean length, numbers at three digits', () => {
    const schema = {
      type: 'object',
      properties: { sentiment: { enum: ['positive', 'negative', 'neutral'] }, score: { type: 'number' } },
    };
    // {"sentiment":<9.67 characters on average>,"score":123}
    expect(likelyOutputTokens(schema, 1024)).toBe(tokensOf(2 + (12 + (10 + 10 + 9) / 3) + 1 + 11));
    expect(likelyOutputTokens(schema, 1024)).toBe(13);
  });

  it('sizes nested objects as the JSON text of a typical instance', () => {
    const schema = {
      type: 'object',
      properties: {
        customer: {
          type: 'object',
          properties: { name: { type: 'string', maxLength: 20 }, vip: { type: 'boolean' } },
        },
        total: { type: 'number' },
      },
    };
    const typical = { customer: { name: 'x'.repeat(10), vip: false }, total: 123 };
    expect(likelyOutputTokens(schema, 1024)).toBe(tokensOf(JSON.stringify(typical).length));
    expect(likelyOutputTokens(schema, 1024)).toBe(21);
  });

  it('takes a string at half its maxLength, at least its minLength, and 40 characters when unbounded', () => {
    expect(likelyOutputTokens({ type: 'string', maxLength: 100 }, 1024)).toBe(tokensOf(2 + 50));
    expect(likelyOutputTokens({ type: 'string', minLength: 30, maxLength: 40 }, 1024)).toBe(tokensOf(2 + 30));
    expect(likelyOutputTokens({ type: 'string' }, 1024)).toBe(15);
  });

  it('takes two array items, or minItems when more are required, or maxItems when fewer are allowed', () => {
    const item = { type: 'string', maxLength: 40 }; // "<20 characters>" and a comma: 23
    expect(likelyOutputTokens({ type: 'array', items: item }, 1024)).toBe(tokensOf(2 + 2 * 23));
    expect(likelyOutputTokens({ type: 'array', items: item, minItems: 5 }, 1024)).toBe(tokensOf(2 + 5 * 23));
    expect(likelyOutputTokens({ type: 'array', items: item, maxItems: 1 }, 1024)).toBe(tokensOf(2 + 23));
  });

  it('follows a $ref into $defs as if the definition were written inline', () => {
    const label = { enum: ['spam', 'ham'] };
    const byRef = {
      $defs: { Label: label },
      type: 'object',
      properties: { label: { $ref: '#/$defs/Label' } },
    };
    const inline = { type: 'object', properties: { label } };
    expect(likelyOutputTokens(byRef, 1024)).toBe(likelyOutputTokens(inline, 1024));
    expect(likelyOutputTokens(byRef, 1024)).toBe(tokensOf(2 + 8 + (6 + 5) / 2));
  });

  it('takes the larger branch of anyOf, as a nullable type does', () => {
    const anyOf = { anyOf: [{ type: 'string', maxLength: 100 }, { type: 'null' }] };
    expect(likelyOutputTokens(anyOf, 1024)).toBe(tokensOf(52));
    expect(likelyOutputTokens({ type: ['string', 'null'], maxLength: 100 }, 1024)).toBe(tokensOf(52));
    expect(likelyOutputTokens({ oneOf: [{ type: 'null' }, { type: 'boolean' }] }, 1024)).toBe(tokensOf(5));
  });

  it('sizes a const as its JSON text', () => {
    expect(likelyOutputTokens({ const: 'version-two' }, 1024)).toBe(tokensOf(13));
  });

  it('never goes above maxTokens, nor below one token', () => {
    const long = { type: 'string', maxLength: 10_000 };
    expect(likelyOutputTokens(long, 4000)).toBe(tokensOf(2 + 5000));
    expect(likelyOutputTokens(long, 500)).toBe(500);
    expect(likelyOutputTokens({ type: 'object' }, 1024)).toBe(1);
  });

  it('gives a finite figure for a recursive schema', () => {
    const tree = {
      $defs: {
        Node: {
          type: 'object',
          properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } } },
        },
      },
      $ref: '#/$defs/Node',
    };
    const tokens = likelyOutputTokens(tree, 1_000_000);
    expect(Number.isFinite(tokens)).toBe(true);
    expect(tokens).toBeGreaterThan(likelyOutputTokens({ type: 'integer' }, 1_000_000));
    expect(likelyOutputTokens(tree, 200)).toBeLessThanOrEqual(200);
  });
});
