// The simulator as the official `openai` client sees it: files, batches, chat completions, the
// ledger, and a lost response. If these pass, the SDK-based provider adapter can trust it.
import OpenAI, { InternalServerError, NotFoundError, BadRequestError } from 'openai';
import type { Batch } from 'openai/resources/batches';
import Ajv2020 from 'ajv/dist/2020';
import { costUsd } from '../../common/pricing';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { readResultLines, uploadJsonl, waitForBatch as waitUntilEnded } from '../support/openai-batch-client';

const BASE_PROFILE = { batch: { validatingMs: 20, completionMs: 50 }, sync: { latencyMs: 0 } };

/** Exercises every construct the fake model claims to handle. */
const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['label', 'confidence', 'priority', 'urgent', 'tags', 'summary', 'assignee', 'kind', 'detail', 'version'],
  properties: {
    label: { type: 'string', enum: ['billing', 'shipping', 'other'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    priority: { type: 'integer', minimum: 1, maximum: 5 },
    urgent: { type: 'boolean' },
    tags: { type: 'array', minItems: 1, maxItems: 3, items: { type: 'string', minLength: 2, maxLength: 12 } },
    summary: { type: 'string', minLength: 10, maxLength: 40 },
    assignee: { type: ['string', 'null'] },
    kind: { anyOf: [{ type: 'string', enum: ['a', 'b'] }, { type: 'integer' }] },
    detail: { $ref: '#/$defs/detail' },
    version: { const: 2 },
  },
  $defs: {
    detail: {
      type: 'object',
      additionalProperties: false,
      required: ['reason', 'score'],
      properties: { reason: { type: 'string' }, score: { type: 'integer', minimum: -3, maximum: 3 } },
    },
  },
};

let sim: RunningSimulator;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, profile: BASE_PROFILE });
  client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sim', maxRetries: 0 });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.reset();
  sim.setProfile(BASE_PROFILE);
});

function requestLine(i: number, opts: { customId?: string; schema?: object } = {}): string {
  return JSON.stringify({
    custom_id: opts.customId ?? `item-${i}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model: 'gpt-4.1-mini',
      messages: [
        { role: 'system', content: 'You classify support tickets.' },
        { role: 'user', content: `Ticket ${i}: the parcel is late` },
      ],
      max_completion_tokens: 300,
      ...(opts.schema
        ? {
            response_format: { type: 'json_schema', json_schema: { name: 'label', strict: true, schema: opts.schema } },
          }
        : {}),
    },
  });
}

const upload = (lines: string[]) => uploadJsonl(client, lines);
const waitForBatch = (id: string, timeoutMs = 5_000) => waitUntilEnded(client, id, { timeoutMs });
const readJsonl = (fileId: string) => readResultLines(client, fileId);

async function createBatch(fileId: string, metadata?: Record<string, string>): Promise<Batch> {
  return client.batches.create({
    input_file_id: fileId,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    ...(metadata ? { metadata } : {}),
  });
}

describe('batch of 100 structured requests', () => {
  test('completes with every custom_id exactly once and every answer satisfying the schema', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => requestLine(i, { schema: SCHEMA }));
    const fileId = await upload(lines);
    const created = await createBatch(fileId, { llmbatch_key: 'run-1/chunk-0/strike-1', owner: 'test' });
    expect(created).toMatchObject({ object: 'batch', status: 'validating', input_file_id: fileId });

    const batch = await waitForBatch(created.id);
    expect(batch.status).toBe('completed');
    expect(batch.metadata).toEqual({ llmbatch_key: 'run-1/chunk-0/strike-1', owner: 'test' });
    expect(batch.model).toBe('gpt-4.1-mini');
    expect(batch.request_counts).toEqual({ total: 100, completed: 100, failed: 0 });
    expect(batch.error_file_id ?? undefined).toBeUndefined();
    expect(batch.completed_at).toBeGreaterThanOrEqual(batch.created_at);
    expect(batch.in_progress_at).toBeDefined();
    expect(batch.finalizing_at).toBeDefined();

    const output = await readJsonl(batch.output_file_id!);
    const ids = output.map((line) => line.custom_id);
    expect(new Set(ids).size).toBe(100);
    expect([...ids].sort()).toEqual(Array.from({ length: 100 }, (_, i) => `item-${i}`).sort());

    const validate = new Ajv2020({ strict: false }).compile(SCHEMA);
    let inputTokens = 0;
    let outputTokens = 0;
    for (const line of output) {
      expect(line.error).toBeNull();
      expect(line.response!.status_code).toBe(200);
      const body = line.response!.body;
      expect(body.object).toBe('chat.completion');
      const parsed = JSON.parse(body.choices[0].message.content);
      expect(validate(parsed) ? null : validate.errors).toBeNull();
      inputTokens += body.usage.prompt_tokens;
      outputTokens += body.usage.completion_tokens;
    }
    expect(batch.usage).toMatchObject({ input_tokens: inputTokens, output_tokens: outputTokens });

    const ledger = sim.ledger();
    expect(ledger).toMatchObject({
      batchesCreated: 1,
      requestsBilled: 100,
      doubleBilled: 0,
      inputTokens,
      outputTokens,
    });
    expect(ledger.costUsd).toBeCloseTo(costUsd('gpt-4.1-mini', 'batch', inputTokens, outputTokens), 9);
  });

  test('the same request always gets the same answer', async () => {
    const run = async () => {
      const batch = await waitForBatch((await createBatch(await upload([requestLine(1, { schema: SCHEMA })]))).id);
      const [line] = await readJsonl(batch.output_file_id!);
      return line.response!.body.choices[0].message.content;
    };
    expect(await run()).toBe(await run());
  });

  test('a second identical batch is counted as double billing', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => requestLine(i));
    await waitForBatch((await createBatch(await upload(lines))).id);
    expect(sim.ledger().doubleBilled).toBe(0);
    await waitForBatch((await createBatch(await upload(lines))).id);
    expect(sim.ledger()).toMatchObject({ requestsBilled: 20, doubleBilled: 10 });
  });
});

describe('invalid input', () => {
  test('a duplicate custom_id fails the batch with errors.data naming the line', async () => {
    const fileId = await upload([requestLine(1, { customId: 'same' }), requestLine(2, { customId: 'same' })]);
    const batch = await waitForBatch((await createBatch(fileId)).id);
    expect(batch.status).toBe('failed');
    expect(batch.failed_at).toBeDefined();
    expect(batch.errors?.object).toBe('list');
    expect(batch.errors?.data).toEqual([
      expect.objectContaining({ code: 'duplicate_custom_id', line: 2, param: 'custom_id' }),
    ]);
    expect(batch.output_file_id ?? undefined).toBeUndefined();
    expect(sim.ledger()).toMatchObject({ batchesCreated: 1, requestsBilled: 0 });
  });

  test('create refuses a bad completion window, an unknown file and oversized metadata', async () => {
    const fileId = await upload([requestLine(1)]);
    const bad = (params: object) =>
      client.batches.create({
        input_file_id: fileId,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        ...params,
      } as never);
    await expect(bad({ completion_window: '48h' })).rejects.toBeInstanceOf(BadRequestError);
    await expect(bad({ input_file_id: 'file-missing' })).rejects.toBeInstanceOf(NotFoundError);
    const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    await expect(bad({ metadata: tooMany })).rejects.toMatchObject({ status: 400, type: 'invalid_request_error' });
    await expect(bad({ metadata: { ['k'.repeat(65)]: 'v' } })).rejects.toMatchObject({ status: 400 });
    await expect(bad({ metadata: { k: 'v'.repeat(513) } })).rejects.toMatchObject({ status: 400 });
  });

  test('an unknown batch is a 404 in OpenAI error shape', async () => {
    const err = await client.batches.retrieve('batch_nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).error).toMatchObject({ type: 'invalid_request_error', message: expect.any(String) });
  });
});

describe('listing', () => {
  test('batches list newest first with after/limit cursor pagination', async () => {
    const fileId = await upload([requestLine(1)]);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createBatch(fileId, { n: String(i) })).id);
    const newestFirst = [...ids].reverse();

    const page1 = await client.batches.list({ limit: 2 });
    expect(page1.data.map((b) => b.id)).toEqual(newestFirst.slice(0, 2));
    expect(page1.has_more).toBe(true);
    const page2 = await client.batches.list({ limit: 2, after: page1.data[1].id });
    expect(page2.data.map((b) => b.id)).toEqual(newestFirst.slice(2));
    expect(page2.has_more).toBe(false);

    const all: string[] = [];
    for await (const b of client.batches.list({ limit: 1 })) all.push(b.id);
    expect(all).toEqual(newestFirst);
  });

  test('files can be listed, retrieved, downloaded and deleted', async () => {
    const fileId = await upload([requestLine(1), requestLine(2)]);
    const meta = await client.files.retrieve(fileId);
    expect(meta).toMatchObject({
      id: fileId,
      object: 'file',
      purpose: 'batch',
      filename: 'input.jsonl',
      status: 'processed',
    });
    expect((await client.files.list()).data.map((f) => f.id)).toContain(fileId);
    expect(await (await client.files.content(fileId)).text()).toBe([requestLine(1), requestLine(2)].join('\n') + '\n');
    expect(await client.files.delete(fileId)).toEqual({ id: fileId, object: 'file', deleted: true });
    await expect(client.files.retrieve(fileId)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('sync chat completions', () => {
  test('echo the prompt in free text, bill at the sync price', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content: 'Where is my parcel #4711?' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].message.content).toBe('Answer to: Where is my parcel #4711?');
    // 25 chars of prompt -> ceil(25/4) + 3 for the one message; 36 chars of answer -> ceil(36/4).
    expect(completion.usage).toMatchObject({ prompt_tokens: 7 + 3, completion_tokens: 9, total_tokens: 19 });
    const ledger = sim.ledger();
    expect(ledger.byMode.sync).toMatchObject({ requestsBilled: 1, inputTokens: 10, outputTokens: 9 });
    expect(ledger.costUsd).toBeCloseTo(costUsd('gpt-4.1-mini', 'sync', 10, 9), 12);
  });

  test('structured output satisfies the schema', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content: 'classify me' }],
      response_format: { type: 'json_schema', json_schema: { name: 'label', strict: true, schema: SCHEMA } },
    });
    const validate = new Ajv2020({ strict: false }).compile(SCHEMA);
    expect(validate(JSON.parse(completion.choices[0].message.content!))).toBe(true);
  });
});

describe('lost responses', () => {
  test('create takes effect although the client sees a 500', async () => {
    const fileId = await upload([requestLine(1)]);
    sim.setProfile({ ...BASE_PROFILE, http: { lostResponseRate: 1 } });
    await expect(createBatch(fileId, { llmbatch_key: 'k1' })).rejects.toBeInstanceOf(InternalServerError);
    sim.setProfile(BASE_PROFILE);
    const listed = await client.batches.list();
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0].metadata).toEqual({ llmbatch_key: 'k1' });
    expect(sim.ledger().batchesCreated).toBe(1);
  });
});
