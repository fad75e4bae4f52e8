// The profile knobs not covered elsewhere, each shown through the official SDKs: batch timing
// (validatingMs, completionMs) on both APIs, http.latencyMs and sync.latencyMs, the sync lane's
// item faults on the OpenAI side, a lost sync response (billed, the client sees a 500; its retry
// is billed again but is no double billing, since no good answer was delivered), and the seed: two runs with one seed and one order
// of calls give identical ledgers, another seed a different one.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { BadRequestError, InternalServerError, toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import Ajv2020 from 'ajv/dist/2020';
import { type ProfileInput, type RunningSimulator } from '../../simulator';
import { structuredChatLines } from '../support/openai-batch-client';
import { useSimulator } from '../support/simulator-clients';

const FAST = { batch: { validatingMs: 10, completionMs: 30 }, sync: { latencyMs: 0 } };
const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['label'],
  properties: { label: { type: 'string', enum: ['a', 'b'] } },
};
const validate = new Ajv2020({ strict: false }).compile(SCHEMA);

let sim: RunningSimulator;
let openai: OpenAI;
let anthropic: Anthropic;

useSimulator(FAST, (clients) => ({ sim, openai, anthropic } = clients));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const chatLines = (n: number, prefix = 'c') => structuredChatLines(n, SCHEMA, prefix).join('\n');

async function createOpenAIBatch(n: number): Promise<Batch> {
  const file = await openai.files.create({
    file: await toFile(Buffer.from(chatLines(n)), 'in.jsonl'),
    purpose: 'batch',
  });
  return openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
}

/** Waits through the admin API, which draws no faults, so waiting cannot change what comes next. */
async function waitIdle(timeoutMs = 5_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(10)) {
    const health = (await (await fetch(`${sim.url}/_sim/health`)).json()) as { pendingBatches: number };
    if (health.pendingBatches === 0) return;
  }
  throw new Error('batches still running');
}

test('batch.validatingMs and completionMs: an OpenAI batch validates, then runs, for as long as they say', async () => {
  sim.setProfile({ ...FAST, batch: { validatingMs: 150, completionMs: 250 } });
  const started = Date.now();
  const created = await createOpenAIBatch(20);
  expect(created.status).toBe('validating');
  const statuses: Array<[number, string, number]> = [];
  let batch = created;
  while (!['completed', 'failed'].includes(batch.status)) {
    await sleep(20);
    batch = await openai.batches.retrieve(created.id);
    statuses.push([Date.now() - started, batch.status, batch.request_counts?.completed ?? 0]);
  }
  const firstAt = (status: string) => statuses.find(([, s]) => s === status)?.[0] ?? Infinity;
  expect(firstAt('in_progress')).toBeGreaterThanOrEqual(150);
  expect(firstAt('completed')).toBeGreaterThanOrEqual(400);
  // Progress is reported while in progress: the completed count grows before the batch ends.
  const during = statuses.filter(([, s]) => s === 'in_progress').map(([, , done]) => done);
  expect(Math.max(...during)).toBeGreaterThan(0);
  expect(Math.min(...during)).toBeLessThan(20);
});

test('batch timing on Anthropic: in_progress for validatingMs + completionMs, then ended', async () => {
  sim.setProfile({ ...FAST, batch: { validatingMs: 100, completionMs: 150 } });
  const started = Date.now();
  const created = await anthropic.messages.batches.create({
    requests: [
      {
        custom_id: 'a',
        params: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
      },
    ],
  });
  await sleep(150);
  expect((await anthropic.messages.batches.retrieve(created.id)).processing_status).toBe('in_progress');
  let batch = await anthropic.messages.batches.retrieve(created.id);
  while (batch.processing_status !== 'ended') {
    await sleep(10);
    batch = await anthropic.messages.batches.retrieve(created.id);
  }
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
});

test('http.latencyMs slows every provider call; sync.latencyMs slows only the sync lanes', async () => {
  const time = async (call: () => Promise<unknown>) => {
    const started = Date.now();
    await call();
    return Date.now() - started;
  };
  const chat = () =>
    openai.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'x' }] });
  const message = () =>
    anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'x' }],
    });

  sim.setProfile({ ...FAST, http: { latencyMs: 80 } });
  expect(await time(() => openai.files.list())).toBeGreaterThanOrEqual(75);
  expect(await time(() => anthropic.messages.batches.list())).toBeGreaterThanOrEqual(75);

  sim.setProfile({ ...FAST, sync: { latencyMs: 80 } });
  expect(await time(chat)).toBeGreaterThanOrEqual(75);
  expect(await time(message)).toBeGreaterThanOrEqual(75);
  expect(await time(() => openai.files.list())).toBeLessThan(60);
});

test('OpenAI sync item faults, drawn per attempt: 500 then success on retry, 400, and corrupt answers still billed', async () => {
  const ask = () =>
    openai.chat.completions.create({
      model: 'gpt-4.1-nano',
      messages: [{ role: 'user', content: 'classify' }],
      response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema: SCHEMA } },
    });
  sim.setProfile({ ...FAST, seed: 1, items: { retryableErrorRate: 0.5 } });
  let failures = 0;
  let successes = 0;
  for (let i = 0; i < 20; i++) {
    const result = await ask().catch((e: unknown) => e);
    if (result instanceof InternalServerError) failures += 1;
    else successes += 1;
  }
  // Each attempt draws anew: the same request fails sometimes and succeeds other times.
  expect(failures).toBeGreaterThan(0);
  expect(successes).toBeGreaterThan(0);

  sim.setProfile({ ...FAST, items: { permanentErrorRate: 1 } });
  const permanent = await ask().catch((e: unknown) => e);
  expect(permanent).toBeInstanceOf(BadRequestError);
  expect((permanent as BadRequestError).error).toMatchObject({ type: 'invalid_request_error' });

  sim.reset();
  sim.setProfile({ ...FAST, seed: 2, items: { corruptRate: 1 } });
  const kinds = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const content = (await ask()).choices[0].message.content ?? '';
    if (content === '') kinds.add('empty');
    else {
      expect(validate(JSON.parse(content))).toBe(false);
      kinds.add('schema');
    }
  }
  expect([...kinds].sort()).toEqual(['empty', 'schema']);
  // Corrupt answers are billed, and asking again after a corrupt answer is not double billing.
  expect(sim.ledger()).toMatchObject({ requestsBilled: 10, doubleBilled: 0 });
});

test('http.lostResponseRate on a sync call: billed, the client sees a 500, and its retry is billed again without counting as double', async () => {
  const ask = () =>
    openai.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'once' }] });
  sim.setProfile({ ...FAST, http: { lostResponseRate: 1 } });
  await expect(ask()).rejects.toBeInstanceOf(InternalServerError);
  expect(sim.ledger()).toMatchObject({ requestsBilled: 1, doubleBilled: 0 });
  // Counted apart too: spend that no client could see in a usage field.
  expect(sim.ledger().lostResponses).toMatchObject({ requestsBilled: 1 });
  expect(sim.ledger().lostResponses.costUsd).toBe(sim.ledger().costUsd);
  sim.setProfile(FAST);
  await ask();
  // The first answer never reached the client: paying for the retry is not waste.
  expect(sim.ledger()).toMatchObject({ requestsBilled: 2, doubleBilled: 0 });
  // A third call after a delivered answer is.
  await ask();
  expect(sim.ledger()).toMatchObject({ requestsBilled: 3, doubleBilled: 1 });
});

describe('seed', () => {
  /** A run touching every kind of draw: batch fates, item faults on both APIs, HTTP faults, sync faults. */
  async function run(seed: number) {
    sim.reset();
    sim.setProfile({
      seed,
      batch: { validatingMs: 10, completionMs: 20, failRate: 0.2, expireRate: 0.3 },
      items: { retryableErrorRate: 0.1, permanentErrorRate: 0.05, corruptRate: 0.2 },
      http: { errorRate: 0.15, lostResponseRate: 0.05 },
      sync: { latencyMs: 0 },
    } satisfies ProfileInput);
    /** Retries until the call gets through, as a client would: the number of tries is itself drawn. */
    const retry = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
      for (let i = 0; i < 50; i++) {
        try {
          return await call();
        } catch (err) {
          if (!(err instanceof Error) || !('status' in err) || Number(err.status) < 500) return undefined;
        }
      }
      throw new Error('never got through');
    };
    for (let b = 0; b < 3; b++) {
      const file = await retry(async () =>
        openai.files.create({ file: await toFile(Buffer.from(chatLines(60, `b${b}-`)), 'in.jsonl'), purpose: 'batch' }),
      );
      await retry(() =>
        openai.batches.create({ input_file_id: file!.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
      );
      const requests = Array.from({ length: 60 }, (_, i) => ({
        custom_id: `m${b}-${i}`,
        params: {
          model: 'claude-haiku-4-5',
          max_tokens: 50,
          messages: [{ role: 'user' as const, content: `item ${i}` }],
        },
      }));
      await retry(() => anthropic.messages.batches.create({ requests }));
    }
    for (let i = 0; i < 15; i++) {
      await retry(() =>
        openai.chat.completions.create({
          model: 'gpt-4.1-mini',
          messages: [{ role: 'user', content: `sync ${i % 5}` }],
        }),
      );
      await retry(() =>
        anthropic.messages.create({
          model: 'claude-sonnet-4',
          max_tokens: 50,
          messages: [{ role: 'user', content: `sync ${i % 5}` }],
        }),
      );
    }
    await waitIdle();
    // The traffic's timing (and so which batches overlapped) is the clock's, not the seed's.
    const { syncTraffic: _timing, batchesInFlightPeak: _overlap, ...ledger } = sim.ledger();
    return ledger;
  }

  test('two runs with one seed give identical ledgers; another seed gives another ledger', async () => {
    const first = await run(11);
    const second = await run(11);
    expect(second).toEqual(first);
    expect(first.requestsBilled).toBeGreaterThan(0);
    expect(first.byProvider.openai?.requestsBilled).toBeGreaterThan(0);
    expect(first.byProvider.anthropic?.requestsBilled).toBeGreaterThan(0);
    const other = await run(12);
    expect(other).not.toEqual(first);
  });
});
