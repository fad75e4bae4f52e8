// The simulator's hot-path pieces on their own, where a fast shortcut must still equal the slow,
// obvious version: the structural request hash, the hand-written chat completion JSON, the line
// reader over upload chunks, the off-heap line log, and the batch limits.
import { parseCreateBody, MAX_MESSAGE_BATCH_REQUESTS } from '../../simulator/anthropic/anthropic-batches';
import {
  BatchInputParser,
  LineReader,
  MAX_BATCH_REQUESTS,
  validateBatchInput,
} from '../../simulator/openai/batch-input';
import { LineLog } from '../../simulator/core/batch-results';
import { canonicalJson, requestHash } from '../../simulator/core/canonical';
import { ApiError } from '../../simulator/core/errors';
import { readJson } from '../../simulator/core/http-util';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { answerChat, chatCompletionJson, chatCompletionObject } from '../../simulator/core/fake-model';

describe('requestHash', () => {
  const body = {
    model: 'gpt-4.1-mini',
    messages: [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'héllo 👋' },
    ],
    max_tokens: 20,
    temperature: 0.5,
    response_format: { type: 'json_schema', json_schema: { strict: true, schema: { type: 'object', required: [] } } },
  };

  test('ignores key order at every depth but not array order, types or values', () => {
    const reordered = JSON.parse(
      '{"response_format":{"json_schema":{"schema":{"required":[],"type":"object"},"strict":true},"type":"json_schema"},' +
        '"temperature":0.5,"max_tokens":20,"messages":[{"content":"sys","role":"system"},{"content":"héllo 👋","role":"user"}],' +
        '"model":"gpt-4.1-mini"}',
    ) as unknown;
    expect(canonicalJson(reordered)).toBe(canonicalJson(body));
    expect(requestHash(reordered)).toBe(requestHash(body));
    const variants: unknown[] = [
      { ...body, messages: [...body.messages].reverse() },
      { ...body, max_tokens: 21 },
      { ...body, max_tokens: '20' },
      { ...body, temperature: 0.50001 },
      { ...body, model: 'gpt-4.1' },
      { ...body, extra: null },
      {
        ...body,
        messages: [
          { role: 'system', content: 'sys' },
          { role: 'user', content: 'héllo 👋 ' },
        ],
      },
      { ...body, response_format: { ...body.response_format, json_schema: { strict: false, schema: {} } } },
    ];
    const hashes = new Set([requestHash(body), ...variants.map(requestHash)]);
    expect(hashes.size).toBe(variants.length + 1);
    // undefined members are not JSON: a body with one is the body without it.
    expect(requestHash({ ...body, user: undefined })).toBe(requestHash(body));
  });

  test('distinguishes 100,000 near-identical bodies', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++)
      seen.add(requestHash({ ...body, messages: [{ role: 'user', content: `item ${i}` }] }));
    expect(seen.size).toBe(100_000);
  });
});

test('chatCompletionJson writes exactly what JSON.stringify(chatCompletionObject) would', () => {
  for (const content of ['plain', '', 'quotes " and \\ and\nnewlines', '{"a":[1,2]}', 'ünï \u2028 👋']) {
    const answer = { ...answerChat({ model: 'm', messages: [{ role: 'user', content }] }), content };
    expect(chatCompletionJson('chatcmpl-x', 1700000000, JSON.stringify('gpt-4.1'), answer)).toBe(
      JSON.stringify(chatCompletionObject('chatcmpl-x', 1700000000, 'gpt-4.1', answer)),
    );
  }
});

describe('LineReader', () => {
  test('splits lines across chunk boundaries, including inside a multi-byte character, and drops \\r', () => {
    const text = 'first line\r\nsecond 👋 ünï\nthird\n\nlast without newline';
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      const reader = new LineReader(chunks);
      const lines: string[] = [];
      for (let line = reader.next(); line !== undefined; line = reader.next()) lines.push(line);
      expect(lines).toEqual(['first line', 'second 👋 ünï', 'third', '', 'last without newline']);
    }
  });
});

test('LineLog keeps lines off-heap and hands out any ordered subset as merged views', () => {
  const log = new LineLog();
  const lines = Array.from({ length: 5000 }, (_, i) => `{"n":${i},"pad":"${'é'.repeat(i % 300)}"}\n`);
  for (const line of lines) log.append(line);
  const even = log.pick(4000, (i) => i % 2 === 0);
  expect(even.count).toBe(2000);
  expect(Buffer.concat(even.chunks).toString()).toBe(
    lines
      .slice(0, 4000)
      .filter((_, i) => i % 2 === 0)
      .join(''),
  );
  const all = log.pick(Infinity, () => true);
  expect(Buffer.concat(all.chunks).toString()).toBe(lines.join(''));
  // Consecutive lines in one block come out as one view, not one per line.
  expect(all.chunks.length).toBeLessThan(10);
});

describe('batch limits', () => {
  const line = (i: number) =>
    JSON.stringify({
      custom_id: `c${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'x' }] },
    });

  test(`an OpenAI input file over ${MAX_BATCH_REQUESTS} requests fails with too_many_requests`, () => {
    const content = Buffer.from(Array.from({ length: MAX_BATCH_REQUESTS + 1 }, (_, i) => line(i)).join('\n'));
    const { input } = validateBatchInput(content, '/v1/chat/completions');
    expect(input).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'too_many_requests', line: null })] });
  });

  test('an OpenAI input file over 200 MB fails without being read', () => {
    let sunk = 0;
    const parser = new BatchInputParser([Buffer.from(line(1))], 200 * 1024 * 1024 + 1, '/v1/chat/completions', () => {
      sunk += 1;
    });
    expect(parser.result()).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'file_too_large' })] });
    expect(sunk).toBe(0);
  });

  test('a JSON body over its limit (256 MB for a Message Batch) is a 413, request_too_large in Anthropic terms', async () => {
    const body = Readable.from([Buffer.from('{"requests":'), Buffer.from('[]}')]) as unknown as IncomingMessage;
    const err = (await readJson(body, 12).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(413);
    expect(err.anthropicBody('req_1')).toEqual({
      type: 'error',
      error: { type: 'request_too_large', message: expect.stringMatching(/limit is 12 bytes/) },
      request_id: 'req_1',
    });
  });

  test(`a Message Batch over ${MAX_MESSAGE_BATCH_REQUESTS} requests is refused at create`, () => {
    const params = { model: 'claude-haiku-4-5', max_tokens: 1, messages: [] };
    const requests = Array.from({ length: MAX_MESSAGE_BATCH_REQUESTS + 1 }, (_, i) => ({ custom_id: `r${i}`, params }));
    expect(() => parseCreateBody({ requests })).toThrow(/at most 100000/);
    expect(parseCreateBody({ requests: requests.slice(1) })).toHaveLength(MAX_MESSAGE_BATCH_REQUESTS);
  });
});
