// An embeddings run's requests: rendered from the item's field (a line that cannot be embedded says
// why), keyed apart from chat requests, counted without chat framing, answered as a vector of the
// asked length, and sent to /v1/embeddings.
import { EmbedFieldProblem, renderRequest } from '../../activities/plan/render-request';
import { dedupKeyOf } from '../../activities/plan/request-key';
import { countInputTokens } from '../../activities/plan/token-count';
import { checkEmbedding, expectedDimensions } from '../../activities/answers/embedding-check';
import { checkAnswer } from '../../activities/answers/output-check';
import { batchEndpointOf, embeddingBody } from '../../providers/openai/openai-embeddings';
import { parseOutputLine } from '../../providers/openai/openai-batch';
import { costUsd, type ResolvedSpec } from '../../common';

const spec = (embed: ResolvedSpec['embed'], model = 'text-embedding-3-small') =>
  ({ name: 'e', model, embed, maxTokens: 0 }) as ResolvedSpec;

describe('rendering', () => {
  it('embeds the field as it is, with dimensions when asked', () => {
    expect(renderRequest(spec({ field: 'text' }), { text: '  Hello {{x}}  ' }, false)).toEqual({
      kind: 'embedding',
      model: 'text-embedding-3-small',
      input: '  Hello {{x}}  ',
    });
    expect(renderRequest(spec({ field: 'doc.body', dimensions: 64 }), { doc: { body: 'nested' } }, false)).toEqual({
      kind: 'embedding',
      model: 'text-embedding-3-small',
      input: 'nested',
      dimensions: 64,
    });
  });

  it.each([
    [{}, 'embed field "text" is missing'],
    [{ text: null }, 'embed field "text" must be text, not null'],
    [{ text: 7 }, 'embed field "text" must be text, not a number'],
    [{ text: ['a'] }, 'embed field "text" must be text, not an array'],
    [{ text: '' }, 'embed field "text" is empty'],
    [{ text: ' \n ' }, 'embed field "text" is empty'],
  ])('refuses %j: %s', (record, message) => {
    const render = () => renderRequest(spec({ field: 'text' }), record, false);
    expect(render).toThrow(EmbedFieldProblem);
    expect(render).toThrow(message);
  });

  it('refuses a text over the 8192 tokens an embedding input may have', () => {
    const render = (words: number) =>
      renderRequest(spec({ field: 'text' }), { text: 'word '.repeat(words).trim() }, false);
    expect(() => render(9000)).toThrow('embed field "text" is 9000 tokens; an embedding input takes at most 8192');
    expect(render(8000)).toMatchObject({ kind: 'embedding' });
  });

  it('never reads a field from the prototype', () => {
    expect(() => renderRequest(spec({ field: 'constructor' }), {}, false)).toThrow(
      'embed field "constructor" is missing',
    );
  });
});

describe('keys and tokens', () => {
  const request = (input: string, dimensions?: number) =>
    renderRequest(spec({ field: 't', dimensions }), { t: input }, false);

  it('gives the same text the same key, and another text, model or length another', () => {
    const key = dedupKeyOf('openai', request('same'), undefined);
    expect(dedupKeyOf('openai', request('same'), undefined)).toBe(key);
    expect(dedupKeyOf('openai', request('other'), undefined)).not.toBe(key);
    expect(dedupKeyOf('openai', request('same', 256), undefined)).not.toBe(key);
    expect(dedupKeyOf('openai', { ...request('same'), model: 'text-embedding-3-large' }, undefined)).not.toBe(key);
    // A chat request of the same text is another question.
    const chat = {
      model: 'text-embedding-3-small',
      messages: [{ role: 'user' as const, content: 'same' }],
      maxTokens: 0,
    };
    expect(dedupKeyOf('openai', chat, undefined)).not.toBe(key);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('counts the text alone: no chat framing', () => {
    expect(countInputTokens(request('hello world'))).toBe(2);
  });
});

describe('answers', () => {
  it('accepts a vector of the asked length only', () => {
    expect(expectedDimensions(spec({ field: 't' }))).toBe(1536);
    expect(expectedDimensions(spec({ field: 't', dimensions: 3 }))).toBe(3);
    expect(checkAnswer('[0.1,0.2,0.3]', spec({ field: 't', dimensions: 3 }))).toEqual({ ok: true });
    expect(checkEmbedding('[0.1,0.2]', 3)).toMatchObject({
      ok: false,
      error: 'embedding has 2 dimensions, expected 3',
    });
    expect(checkEmbedding('[]', 3)).toMatchObject({ ok: false, kind: 'empty_output' });
    expect(checkEmbedding('[0.1,"x",0.3]', 3)).toMatchObject({ ok: false, kind: 'schema_violation' });
    expect(checkEmbedding('not json', undefined)).toMatchObject({ ok: false, kind: 'schema_violation' });
  });

  it('reads a vector and input-only usage out of an embeddings answer, float or base64', () => {
    const body = (embedding: unknown) => ({
      object: 'list',
      model: 'text-embedding-3-small',
      data: [{ object: 'embedding', index: 0, embedding }],
      usage: { prompt_tokens: 5, total_tokens: 5 },
    });
    const line = (embedding: unknown) => ({
      custom_id: 'k',
      response: { status_code: 200, body: body(embedding) },
      error: null,
    });
    expect(parseOutputLine(line([0.5, -0.25]))).toEqual({
      customId: 'k',
      ok: true,
      content: '[0.5,-0.25]',
      usage: { inputTokens: 5, outputTokens: 0 },
    });
    const base64 = Buffer.from(new Float32Array([0.5, -0.25]).buffer).toString('base64');
    expect(parseOutputLine(line(base64))).toMatchObject({ ok: true, content: '[0.5,-0.25]' });
  });
});

describe('the wire', () => {
  it('sends embeddings to /v1/embeddings (Azure: /embeddings), as floats', () => {
    const request = renderRequest(spec({ field: 't', dimensions: 8 }), { t: 'x' }, false);
    expect(batchEndpointOf(request, false)).toBe('/v1/embeddings');
    expect(batchEndpointOf(request, true)).toBe('/embeddings');
    expect(embeddingBody(request as never)).toEqual({
      model: 'text-embedding-3-small',
      input: 'x',
      encoding_format: 'float',
      dimensions: 8,
    });
  });

  it('prices input only, batch at half of sync', () => {
    for (const model of ['text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002']) {
      expect(costUsd(model, 'sync', 1_000_000, 1_000_000)).toBe(2 * costUsd(model, 'batch', 1_000_000, 1_000_000));
    }
    expect(costUsd('text-embedding-3-small', 'sync', 1_000_000, 5)).toBeCloseTo(0.02, 12);
  });
});
