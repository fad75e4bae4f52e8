import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDataset } from '../../activities/inputs/dataset';
import { checkOutput } from '../../activities/answers/output-check';
import { dedupKeyOf } from '../../activities/plan/request-key';

const request = { model: 'gpt-4.1-mini', messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 10 };

describe('dedup key', () => {
  it('is the same for the same request whatever the key order, and a valid Anthropic custom_id', () => {
    const a = dedupKeyOf('openai', request, { type: 'object', properties: {} });
    const b = dedupKeyOf(
      'openai',
      { maxTokens: 10, messages: request.messages, model: 'gpt-4.1-mini' },
      { properties: {}, type: 'object' },
    );
    expect(a).toBe(b);
    expect(a).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  });
  it('differs by model, provider, limits and schema', () => {
    const base = dedupKeyOf('openai', request, undefined);
    expect(dedupKeyOf('openai', { ...request, model: 'gpt-4.1' }, undefined)).not.toBe(base);
    expect(dedupKeyOf('simulator', request, undefined)).not.toBe(base);
    expect(dedupKeyOf('openai', { ...request, maxTokens: 11 }, undefined)).not.toBe(base);
    expect(dedupKeyOf('openai', request, { type: 'object' })).not.toBe(base);
  });
  it('stays the key earlier versions made (answers cached by earlier runs are found by it)', () => {
    const schema = {
      type: 'object',
      properties: { b: { type: 'string' }, a: { type: 'integer', enum: [1, 2] } },
      required: ['a', 'b'],
    };
    const asked = {
      model: 'gpt-4.1-mini',
      messages: [
        { role: 'system' as const, content: 'Classify "this"\n\tplease ünï 🎉' },
        { role: 'user' as const, content: 'x' },
      ],
      maxTokens: 50,
      temperature: undefined,
      cacheSystem: true as const,
    };
    expect(dedupKeyOf('openai', asked, schema)).toBe(
      '5bd304add18821444efe271252e42f97e6c6e0f1bfde8fc50aaf3ae2627b4890',
    );
    expect(dedupKeyOf('anthropic', asked, undefined)).toBe(
      'b35203ead9c13f193adaaba148ff0f546420e297dcb1fc8aa9b162db58baff35',
    );
  });
});

describe('output check', () => {
  const schema = {
    type: 'object',
    properties: { label: { enum: ['a', 'b'] } },
    required: ['label'],
    additionalProperties: false,
  };
  it('accepts an answer that satisfies the schema', () => {
    expect(checkOutput('{"label":"a"}', schema)).toEqual({ ok: true, parsed: { label: 'a' } });
  });
  it('refuses valid JSON that breaks the schema, non-JSON and empty answers', () => {
    expect(checkOutput('{"label":"c"}', schema)).toMatchObject({
      ok: false,
      kind: 'schema_violation',
      error: expect.stringContaining('/label'),
    });
    expect(checkOutput('label: a', schema)).toMatchObject({
      ok: false,
      kind: 'schema_violation',
      error: expect.stringMatching(/^answer is not JSON/),
    });
    expect(checkOutput('  ', schema)).toMatchObject({ ok: false, kind: 'empty_output' });
    expect(checkOutput('', undefined)).toMatchObject({ ok: false, kind: 'empty_output' });
  });
  it('takes any non-empty text without a schema', () => {
    expect(checkOutput('free text', undefined)).toEqual({ ok: true });
  });
});

describe('dataset reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-ds-'));
  async function collect(path: string, format: 'jsonl' | 'csv') {
    const out = [];
    for await (const entry of readDataset(path, format)) out.push(entry);
    return out;
  }
  it('reads JSONL line by line, turning bad lines into errors with their number', async () => {
    const path = join(dir, 'a.jsonl');
    writeFileSync(path, '{"a":1}\n{broken\n\n[1,2]\n{"a":2}\n');
    expect(await collect(path, 'jsonl')).toEqual([
      { line: 1, record: { a: 1 } },
      { line: 2, error: expect.stringMatching(/^invalid JSON/) },
      { line: 3, error: 'empty line' },
      { line: 4, error: 'expected a JSON object' },
      { line: 5, record: { a: 2 } },
    ]);
  });
  it('reads CSV with a header, numbering rows by their line in the file', async () => {
    const path = join(dir, 'a.csv');
    writeFileSync(path, 'id,subject\n1,"Hello, world"\n2,"multi\nline"\n3,last\n');
    const entries = await collect(path, 'csv');
    expect(entries).toEqual([
      { line: 2, record: { id: '1', subject: 'Hello, world' } },
      { line: 4, record: { id: '2', subject: 'multi\nline' } },
      { line: 5, record: { id: '3', subject: 'last' } },
    ]);
  });
});
