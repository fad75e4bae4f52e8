// The simulator's Anthropic paths as the official @anthropic-ai/sdk sees them: Messages (text,
// forced tools, structured output), Message Batches (create, retrieve, list, results, cancel,
// delete) with their lifecycle and counts, Anthropic's error shapes and rate-limit headers, and
// every fault knob that applies, with the ledger billing Claude models at the batch or sync price.
import Anthropic, {
  BadRequestError,
  InternalServerError,
  NotFoundError,
  OverloadedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import type {
  MessageBatch,
  MessageBatchIndividualResponse,
  BatchCreateParams,
} from '@anthropic-ai/sdk/resources/messages/batches';
import type { Message, Tool } from '@anthropic-ai/sdk/resources/messages/messages';
import Ajv2020 from 'ajv/dist/2020';
import { costUsd } from '../../common/pricing';
import { startSimulator, type RunningSimulator } from '../../simulator';
import type { MessageBatchJson, ResultLine } from '../../simulator/anthropic/anthropic-batches';
import type { MessageJson } from '../../simulator/anthropic/anthropic-model';

const FAST = { batch: { validatingMs: 10, completionMs: 40 }, sync: { latencyMs: 0 } };
const MODEL = 'claude-haiku-4-5';

const TICKET_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['label', 'priority', 'tags'],
  properties: {
    label: { type: 'string', enum: ['billing', 'shipping', 'other'] },
    priority: { type: 'integer', minimum: 1, maximum: 5 },
    tags: { type: 'array', minItems: 1, items: { type: 'string' } },
  },
};
const TOOL: Tool = {
  name: 'record_label',
  description: 'Record the ticket label.',
  input_schema: TICKET_SCHEMA as Tool['input_schema'],
};
const validateTicket = new Ajv2020({ strict: false }).compile(TICKET_SCHEMA);

let sim: RunningSimulator;
let client: Anthropic;

beforeAll(async () => {
  sim = await startSimulator({ profile: FAST });
  client = new Anthropic({ baseURL: sim.url, apiKey: 'sim', maxRetries: 0 });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.reset();
  sim.setProfile(FAST);
});

function request(i: number, opts: { forced?: boolean; params?: object } = {}): BatchCreateParams.Request {
  return {
    custom_id: `ticket-${i}`,
    params: {
      model: MODEL,
      max_tokens: 256,
      system: 'You label support tickets.',
      messages: [{ role: 'user', content: `Ticket ${i}: the parcel is late` }],
      ...(opts.forced ? { tools: [TOOL], tool_choice: { type: 'tool', name: TOOL.name } } : {}),
      ...opts.params,
    },
  };
}

async function waitEnded(id: string, timeoutMs = 5_000): Promise<MessageBatch> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const batch = await client.messages.batches.retrieve(id);
    if (batch.processing_status === 'ended') return batch;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`message batch ${id} did not end`);
}

async function results(id: string): Promise<MessageBatchIndividualResponse[]> {
  const out: MessageBatchIndividualResponse[] = [];
  for await (const line of await client.messages.batches.results(id)) out.push(line);
  return out;
}

describe('Messages (sync)', () => {
  test('free text echoes the prompt, with usage, billed at the sync price', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4-20250514',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Where is my parcel #4711?' }],
    });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-20250514',
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Answer to: Where is my parcel #4711?' }],
    });
    expect(message.id).toMatch(/^msg_/);
    // 25 chars of prompt -> ceil(25/4) + 3 for the one message; 36 chars of answer -> ceil(36/4).
    expect(message.usage).toMatchObject({ input_tokens: 10, output_tokens: 9, service_tier: 'standard' });
    expect(message._request_id).toMatch(/^req_/);
    const ledger = sim.ledger();
    // A dated variant prices as its base model.
    expect(ledger.byProvider.anthropic?.byModel['claude-sonnet-4-20250514']).toMatchObject({ requestsBilled: 1 });
    expect(ledger.costUsd).toBeCloseTo(costUsd('claude-sonnet-4', 'sync', 10, 9), 12);
    expect(ledger.costUsd).toBeGreaterThan(0);
  });

  test('a forced tool gets a tool_use block whose input satisfies the input_schema, the same for the same request', async () => {
    const ask = () =>
      client.messages.create({
        model: MODEL,
        max_tokens: 200,
        messages: [{ role: 'user', content: 'Label: my invoice is wrong' }],
        tools: [TOOL],
        tool_choice: { type: 'tool', name: TOOL.name },
      });
    const message = await ask();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toHaveLength(1);
    const block = message.content[0];
    expect(block.type).toBe('tool_use');
    if (block.type !== 'tool_use') throw new Error('unreachable');
    expect(block).toMatchObject({ name: TOOL.name, id: expect.stringMatching(/^toolu_/) });
    expect(validateTicket(block.input) ? null : validateTicket.errors).toBeNull();
    const again = (await ask()).content[0];
    expect(again.type === 'tool_use' && again.input).toEqual(block.input);
  });

  test('tool_choice any uses the first tool; auto answers in text; output_config json_schema answers JSON text', async () => {
    const any = await client.messages.create({
      model: MODEL,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'x' }],
      tools: [TOOL],
      tool_choice: { type: 'any' },
    });
    expect(any.content[0]).toMatchObject({ type: 'tool_use', name: TOOL.name });
    const auto = await client.messages.create({
      model: MODEL,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'just talk' }],
      tools: [TOOL],
    });
    expect(auto.content[0]).toMatchObject({ type: 'text', text: 'Answer to: just talk' });
    const structured = await client.messages.create({
      model: MODEL,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'json please' }],
      output_config: { format: { type: 'json_schema', schema: TICKET_SCHEMA } },
    });
    const text = structured.content[0].type === 'text' ? structured.content[0].text : '';
    expect(validateTicket(JSON.parse(text))).toBe(true);
  });

  test('bad params are a 400 in Anthropic error shape', async () => {
    const err = await client.messages
      .create({ model: MODEL, max_tokens: 10, messages: [], tools: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.any(String) },
      request_id: expect.stringMatching(/^req_/),
    });
    await expect(
      client.messages.create({
        model: MODEL,
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
        tools: [TOOL],
        tool_choice: { type: 'tool', name: 'no_such_tool' },
      }),
    ).rejects.toBeInstanceOf(BadRequestError);
  });

  test('sync.rpm: over the limit is a 429 rate_limit_error with retry-after and anthropic-ratelimit headers', async () => {
    sim.setProfile({ ...FAST, sync: { latencyMs: 0, rpm: 2 } });
    const ask = () =>
      client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const ok = await ask().withResponse();
    expect(ok.response.headers.get('anthropic-ratelimit-requests-limit')).toBe('2');
    expect(ok.response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('1');
    expect(Date.parse(ok.response.headers.get('anthropic-ratelimit-requests-reset') ?? '')).toBeGreaterThan(0);
    await ask();
    const err = await ask().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    const e = err as RateLimitError;
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(e.headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(sim.ledger().requestsBilled).toBe(2);
  });

  test('sync.tpm: a request over the token budget is refused with the token headers', async () => {
    sim.setProfile({ ...FAST, sync: { latencyMs: 0, tpm: 30 } });
    const ask = () =>
      client.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'x'.repeat(40) }] });
    await ask(); // 13 input + 13 output tokens
    const err = (await ask().catch((e: unknown) => e)) as RateLimitError;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.headers?.get('anthropic-ratelimit-tokens-limit')).toBe('30');
    expect(err.headers?.get('anthropic-ratelimit-input-tokens-limit')).toBe('30');
  });

  test('item faults per attempt: overloaded 529 / api_error 500 (retryable), invalid_request_error 400 (permanent)', async () => {
    sim.setProfile({ ...FAST, seed: 5, items: { retryableErrorRate: 1 } });
    const ask = () =>
      client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    const kinds = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const err = await ask().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InternalServerError);
      kinds.add(`${(err as InternalServerError).status} ${err instanceof OverloadedError ? 'overloaded' : 'api'}`);
    }
    expect([...kinds].sort()).toEqual(['500 api', '529 overloaded']);
    sim.setProfile({ ...FAST, items: { permanentErrorRate: 1 } });
    const err = (await ask().catch((e: unknown) => e)) as BadRequestError;
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.error).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(sim.ledger().requestsBilled).toBe(0);
  });

  test('corruptRate 1: a forced tool answers with input that breaks the schema, or with no content at all', async () => {
    sim.setProfile({ ...FAST, seed: 3, items: { corruptRate: 1 } });
    let broken = 0;
    let empty = 0;
    for (let i = 0; i < 10; i++) {
      const message = await client.messages.create({
        model: MODEL,
        max_tokens: 200,
        messages: [{ role: 'user', content: `ticket ${i}` }],
        tools: [TOOL],
        tool_choice: { type: 'tool', name: TOOL.name },
      });
      const block = message.content[0];
      if (!block) empty += 1;
      else if (block.type === 'tool_use' && !validateTicket(block.input)) broken += 1;
    }
    expect(broken + empty).toBe(10);
    expect(broken).toBeGreaterThan(0);
    expect(empty).toBeGreaterThan(0);
    expect(sim.ledger()).toMatchObject({ requestsBilled: 10, doubleBilled: 0 });
  });
});

describe('Message Batches', () => {
  test('create, retrieve, results: in_progress with every request processing, then ended with counts and results', async () => {
    const requests = [
      ...Array.from({ length: 6 }, (_, i) => request(i, { forced: i % 2 === 0 })),
      // Params are validated asynchronously: a bad one is an errored result, not a 400 on create.
      request(99, { params: { max_tokens: 0 } }),
    ];
    const created = await client.messages.batches.create({ requests });
    expect(created).toMatchObject({
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: 7, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      results_url: null,
      ended_at: null,
      cancel_initiated_at: null,
      archived_at: null,
    });
    expect(created.id).toMatch(/^msgbatch_/);
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(24 * 3600 * 1000);
    await expect(client.messages.batches.results(created.id)).rejects.toThrow(/results_url/);

    const ended = await waitEnded(created.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 6, errored: 1, canceled: 0, expired: 0 });
    expect(ended.results_url).toBe(`${sim.url}/v1/messages/batches/${created.id}/results`);
    expect(Date.parse(ended.ended_at!)).toBeGreaterThanOrEqual(Date.parse(ended.created_at));

    const lines = await results(created.id);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(requests.map((r) => r.custom_id).sort());
    let inputTokens = 0;
    let outputTokens = 0;
    for (const line of lines) {
      if (line.custom_id === 'ticket-99') {
        expect(line.result).toMatchObject({
          type: 'errored',
          error: {
            type: 'error',
            error: { type: 'invalid_request_error', message: expect.stringMatching(/max_tokens/) },
          },
        });
        continue;
      }
      expect(line.result.type).toBe('succeeded');
      if (line.result.type !== 'succeeded') continue;
      const { message } = line.result;
      expect(message).toMatchObject({ type: 'message', role: 'assistant', model: MODEL });
      expect(message.usage.service_tier).toBe('batch');
      const forced = Number(line.custom_id.split('-')[1]) % 2 === 0;
      const block = message.content[0];
      if (forced) {
        expect(block.type === 'tool_use' && validateTicket(block.input)).toBe(true);
        expect(message.stop_reason).toBe('tool_use');
      } else expect(block).toMatchObject({ type: 'text', text: expect.stringMatching(/^Answer to: Ticket \d/) });
      inputTokens += message.usage.input_tokens;
      outputTokens += message.usage.output_tokens;
    }
    const ledger = sim.ledger();
    expect(ledger).toMatchObject({ batchesCreated: 1, requestsBilled: 6, inputTokens, outputTokens, doubleBilled: 0 });
    expect(ledger.byMode.batch.costUsd).toBeCloseTo(costUsd(MODEL, 'batch', inputTokens, outputTokens), 12);
  });

  test('create refuses a custom_id outside ^[a-zA-Z0-9_-]{1,64}$, duplicates, and an empty batch', async () => {
    const bad = async (requests: BatchCreateParams.Request[]) => {
      const err = await client.messages.batches.create({ requests }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      expect((err as BadRequestError).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      return (err as BadRequestError).message;
    };
    expect(await bad([{ ...request(1), custom_id: 'has space' }])).toMatch(/custom_id/);
    expect(await bad([{ ...request(1), custom_id: 'x'.repeat(65) }])).toMatch(/custom_id/);
    expect(await bad([request(1), request(1)])).toMatch(/[Dd]uplicate/);
    await bad([]);
    await client.messages.batches.create({ requests: [{ ...request(1), custom_id: `A_z-9${'x'.repeat(59)}` }] });
    expect(sim.ledger().batchesCreated).toBe(1);
  });

  test('list: newest first, limit, after_id / before_id, has_more, first_id / last_id, auto-pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.messages.batches.create({ requests: [request(i)] })).id);
    const newestFirst = [...ids].reverse();

    const page1 = await client.messages.batches.list({ limit: 2 });
    expect(page1.data.map((b) => b.id)).toEqual(newestFirst.slice(0, 2));
    expect(page1).toMatchObject({ has_more: true, first_id: newestFirst[0], last_id: newestFirst[1] });
    const page2 = await client.messages.batches.list({ limit: 2, after_id: page1.last_id! });
    expect(page2.data.map((b) => b.id)).toEqual(newestFirst.slice(2, 4));
    const back = await client.messages.batches.list({ limit: 2, before_id: page2.first_id! });
    expect(back.data.map((b) => b.id)).toEqual(newestFirst.slice(0, 2));
    expect(back.has_more).toBe(false);

    const all: string[] = [];
    for await (const batch of client.messages.batches.list({ limit: 2 })) all.push(batch.id);
    expect(all).toEqual(newestFirst);
  });

  test('cancel: canceling, then ended with the unprocessed requests canceled; delete once ended', async () => {
    sim.setProfile({ ...FAST, batch: { validatingMs: 0, completionMs: 400 } });
    const created = await client.messages.batches.create({
      requests: Array.from({ length: 40 }, (_, i) => request(i)),
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await expect(client.messages.batches.delete(created.id)).rejects.toBeInstanceOf(BadRequestError);
    const canceling = await client.messages.batches.cancel(created.id);
    expect(canceling.processing_status).toBe('canceling');
    expect(canceling.cancel_initiated_at).not.toBeNull();
    expect(canceling.request_counts).toMatchObject({ processing: 40, canceled: 0, succeeded: 0 });
    expect((await client.messages.batches.cancel(created.id)).processing_status).toBe('canceling');

    const ended = await waitEnded(created.id);
    const counts = ended.request_counts;
    expect(counts.canceled).toBeGreaterThan(0);
    expect(counts.succeeded).toBeGreaterThan(0);
    expect(counts.succeeded + counts.canceled).toBe(40);
    const lines = await results(created.id);
    expect(lines.filter((l) => l.result.type === 'canceled')).toHaveLength(counts.canceled);
    expect(sim.ledger().requestsBilled).toBe(counts.succeeded);
    await expect(client.messages.batches.cancel(created.id)).rejects.toBeInstanceOf(BadRequestError);

    expect(await client.messages.batches.delete(created.id)).toEqual({ id: created.id, type: 'message_batch_deleted' });
    await expect(client.messages.batches.retrieve(created.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  test('ledger batchesCancelled: once per batch; a canceled batch bills only the requests processed before the cancel', async () => {
    // Item faults too, so the processed part holds both billed answers and unbilled errored lines.
    sim.setProfile({
      ...FAST,
      seed: 5,
      batch: { validatingMs: 0, completionMs: 600 },
      items: { retryableErrorRate: 0.3 },
    });
    const n = 40;
    const created = await client.messages.batches.create({ requests: Array.from({ length: n }, (_, i) => request(i)) });
    expect(sim.ledger().batchesCancelled).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await client.messages.batches.cancel(created.id)).processing_status).toBe('canceling');
    expect(sim.ledger().batchesCancelled).toBe(1);
    expect((await client.messages.batches.cancel(created.id)).processing_status).toBe('canceling');
    expect(sim.ledger().batchesCancelled).toBe(1);

    const ended = await waitEnded(created.id);
    const { succeeded, errored, canceled, expired } = ended.request_counts;
    const processed = succeeded + errored;
    expect(succeeded).toBeGreaterThan(0);
    expect(errored).toBeGreaterThan(0); // seed 5: ticket-3 is the first to fail
    expect(canceled).toBeGreaterThan(0);
    expect(expired).toBe(0);
    expect(processed + canceled).toBe(n);
    // Those that ran are the first `processed` requests; the rest were canceled unrun.
    const lines = await results(created.id);
    const ran = lines.filter((l) => l.result.type !== 'canceled');
    expect(ran.map((l) => l.custom_id).sort()).toEqual(
      Array.from({ length: processed }, (_, i) => `ticket-${i}`).sort(),
    );
    const answered = ran.flatMap((l) => (l.result.type === 'succeeded' ? [l.result.message] : []));
    expect(answered).toHaveLength(succeeded);

    // Billed: the succeeded requests that ran before the cancel, nothing else.
    const inputTokens = answered.reduce((sum, m) => sum + m.usage.input_tokens, 0);
    const outputTokens = answered.reduce((sum, m) => sum + m.usage.output_tokens, 0);
    const ledger = sim.ledger();
    expect(ledger).toMatchObject({
      batchesCreated: 1,
      batchesCancelled: 1,
      requestsBilled: succeeded,
      inputTokens,
      outputTokens,
      doubleBilled: 0,
    });
    expect(ledger.byProvider.anthropic).toMatchObject({ requestsBilled: succeeded });
    expect(ledger.costUsd).toBeCloseTo(costUsd(MODEL, 'batch', inputTokens, outputTokens), 9);

    // Canceling an ended batch is refused and does not count.
    await expect(client.messages.batches.cancel(created.id)).rejects.toBeInstanceOf(BadRequestError);
    expect(sim.ledger().batchesCancelled).toBe(1);
    sim.reset();
    expect(sim.ledger().batchesCancelled).toBe(0);
  });

  test('expireRate 1: the batch ends with the processed part kept and billed, the rest expired', async () => {
    sim.setProfile({ ...FAST, seed: 3, batch: { ...FAST.batch, expireRate: 1 } });
    const created = await client.messages.batches.create({
      requests: Array.from({ length: 50 }, (_, i) => request(i)),
    });
    const ended = await waitEnded(created.id);
    const { succeeded, expired } = ended.request_counts;
    expect(expired).toBeGreaterThan(0);
    expect(succeeded + expired).toBe(50);
    const lines = await results(created.id);
    expect(lines.filter((l) => l.result.type === 'expired')).toHaveLength(expired);
    expect(sim.ledger().requestsBilled).toBe(succeeded);
  });

  test('failRate 1: every request errors with api_error and nothing is billed', async () => {
    sim.setProfile({ ...FAST, batch: { ...FAST.batch, failRate: 1 } });
    const created = await client.messages.batches.create({ requests: [request(1), request(2)] });
    const ended = await waitEnded(created.id);
    expect(ended.request_counts).toMatchObject({ errored: 2, succeeded: 0 });
    for (const line of await results(created.id))
      expect(line.result).toMatchObject({ type: 'errored', error: { error: { type: 'api_error' } } });
    expect(sim.ledger()).toMatchObject({ batchesCreated: 1, requestsBilled: 0 });
  });

  test('item faults: retryable as overloaded_error / api_error, permanent as invalid_request_error, corrupt tool input billed', async () => {
    sim.setProfile({
      ...FAST,
      seed: 42,
      items: { retryableErrorRate: 0.2, permanentErrorRate: 0.1, corruptRate: 0.2 },
    });
    const created = await client.messages.batches.create({
      requests: Array.from({ length: 200 }, (_, i) => request(i, { forced: true })),
    });
    const ended = await waitEnded(created.id);
    const lines = await results(created.id);
    const errorTypes = new Set<string>();
    let corrupt = 0;
    for (const line of lines) {
      if (line.result.type === 'errored') errorTypes.add(line.result.error.error.type);
      else if (line.result.type === 'succeeded') {
        const block = line.result.message.content[0];
        if (!block || block.type !== 'tool_use' || !validateTicket(block.input)) corrupt += 1;
      }
    }
    expect([...errorTypes].sort()).toEqual(['api_error', 'invalid_request_error', 'overloaded_error']);
    expect(corrupt).toBeGreaterThan(10);
    expect(ended.request_counts.succeeded + ended.request_counts.errored).toBe(200);
    expect(sim.ledger().requestsBilled).toBe(ended.request_counts.succeeded);
  });

  test('HTTP faults and outages answer in Anthropic shape; a lost create still creates the batch', async () => {
    sim.setProfile({ ...FAST, http: { errorRate: 1 } });
    const err = (await client.messages.batches.list().catch((e: unknown) => e)) as InternalServerError;
    expect(err).toBeInstanceOf(InternalServerError);
    expect(err.status).toBe(500);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });

    sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 60_000 }] });
    const outage = await client.messages.batches.list().catch((e: unknown) => e);
    expect(outage).toBeInstanceOf(OverloadedError);
    expect((outage as OverloadedError).error).toMatchObject({ error: { type: 'overloaded_error' } });

    sim.setProfile({ ...FAST, http: { lostResponseRate: 1 } });
    await expect(client.messages.batches.create({ requests: [request(1)] })).rejects.toBeInstanceOf(
      InternalServerError,
    );
    sim.setProfile(FAST);
    const listed = await client.messages.batches.list();
    expect(listed.data).toHaveLength(1);
    expect(sim.ledger().batchesCreated).toBe(1);
  });

  test('http.latencyMs delays every call', async () => {
    sim.setProfile({ ...FAST, http: { latencyMs: 60 } });
    const started = Date.now();
    await client.messages.batches.list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });
});

// Compile-time: the simulator's spelled-out shapes are assignable to the SDK's own types, so a
// field the SDK requires and the simulator forgot fails `tsc`, not a pipeline in production.
type Assignable<T, U extends T> = U;
export type MessageShapeCheck = Assignable<Message, MessageJson>;
export type MessageBatchShapeCheck = Assignable<MessageBatch, MessageBatchJson>;
export type ResultLineShapeCheck = Assignable<MessageBatchIndividualResponse, ResultLine>;
