// The simulator's fault knobs, each checked for the property the pipeline relies on: every request
// of a batch ends in exactly one of the two result files, whatever went wrong, and the faults
// come back the same for the same seed.
import OpenAI, { InternalServerError, RateLimitError, toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import Ajv2020 from 'ajv/dist/2020';
import { costUsd } from '../../common/pricing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfileFile, parseProfile, startSimulator, type RunningSimulator } from '../../simulator';
import {
  LABEL_SCORE_SCHEMA as SCHEMA,
  readResultLines,
  structuredChatLines,
  uploadJsonl,
  waitForBatch as waitUntilEnded,
} from '../support/openai-batch-client';

const FAST = { batch: { validatingMs: 10, completionMs: 30 }, sync: { latencyMs: 0 } };

let sim: RunningSimulator;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimulator({ profile: FAST });
  client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sim', maxRetries: 0 });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.reset();
  sim.setProfile(FAST);
});

const lines = (n: number) => structuredChatLines(n, SCHEMA);

async function submit(n: number): Promise<Batch> {
  const fileId = await uploadJsonl(client, lines(n), 'in.jsonl');
  return client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' });
}

const waitForBatch = (id: string) => waitUntilEnded(client, id);
const readJsonl = (fileId: string | null | undefined) => readResultLines(client, fileId);

/** Both files of a batch; asserts that every custom_id appears in exactly one line of one of them. */
async function partition(batch: Batch, n: number) {
  const output = await readJsonl(batch.output_file_id);
  const errors = await readJsonl(batch.error_file_id);
  const ids = [...output, ...errors].map((l) => l.custom_id);
  expect(ids.length).toBe(n);
  expect(new Set(ids).size).toBe(n);
  expect(batch.request_counts).toEqual({ total: n, completed: output.length, failed: errors.length });
  return { output, errors };
}

test('item faults: retryable and permanent error lines, corrupt answers still billed, same seed same faults', async () => {
  const profile = { ...FAST, seed: 42, items: { retryableErrorRate: 0.2, permanentErrorRate: 0.1, corruptRate: 0.2 } };
  sim.setProfile(profile);
  const batch = await waitForBatch((await submit(200)).id);
  expect(batch.status).toBe('completed');
  const { output, errors } = await partition(batch, 200);

  const statuses = new Set(errors.map((l) => l.response!.status_code));
  expect([...statuses].sort()).toEqual([400, 429, 500]);
  for (const line of errors)
    expect(line.response!.body.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
  expect(errors.filter((l) => l.response!.status_code === 400)[0].response!.body.error!.type).toBe(
    'invalid_request_error',
  );

  const validate = new Ajv2020({ strict: false }).compile(SCHEMA);
  const corrupt = output.filter((l) => {
    const content = l.response!.body.choices[0].message.content;
    try {
      return !validate(JSON.parse(content));
    } catch {
      return true;
    }
  });
  expect(corrupt.length).toBeGreaterThan(10);
  expect(corrupt.length).toBeLessThan(output.length);
  expect(sim.ledger().requestsBilled).toBe(output.length);

  // Same seed, same order of calls: the same items fail.
  const failedIds = errors.map((l) => l.custom_id).sort();
  sim.reset();
  sim.setProfile(profile);
  const again = await partition(await waitForBatch((await submit(200)).id), 200);
  expect(again.errors.map((l) => l.custom_id).sort()).toEqual(failedIds);
});

test('re-asking after a corrupted answer is not double billing', async () => {
  sim.setProfile({ ...FAST, items: { corruptRate: 1 } });
  await waitForBatch((await submit(5)).id);
  sim.setProfile(FAST);
  await waitForBatch((await submit(5)).id);
  expect(sim.ledger()).toMatchObject({ requestsBilled: 10, doubleBilled: 0 });
  await waitForBatch((await submit(5)).id);
  expect(sim.ledger()).toMatchObject({ requestsBilled: 15, doubleBilled: 5 });
});

test('expireRate 1: the batch expires with the processed part in the output and the rest as batch_expired', async () => {
  sim.setProfile({ ...FAST, seed: 3, batch: { ...FAST.batch, expireRate: 1 } });
  const batch = await waitForBatch((await submit(50)).id);
  expect(batch.status).toBe('expired');
  expect(batch.expired_at).toBeDefined();
  const { output, errors } = await partition(batch, 50);
  expect(errors.length).toBeGreaterThan(0);
  for (const line of errors) expect(line).toMatchObject({ response: null, error: { code: 'batch_expired' } });
  expect(sim.ledger().requestsBilled).toBe(output.length);
});

test('failRate 1: the batch fails as a whole and nothing is billed', async () => {
  sim.setProfile({ ...FAST, batch: { ...FAST.batch, failRate: 1 } });
  const batch = await waitForBatch((await submit(5)).id);
  expect(batch.status).toBe('failed');
  expect(batch.errors?.data?.length).toBeGreaterThan(0);
  expect(sim.ledger()).toMatchObject({ batchesCreated: 1, requestsBilled: 0 });
});

test('cancel keeps what ran and reports the rest as batch_cancelled', async () => {
  sim.setProfile({ ...FAST, batch: { validatingMs: 10, completionMs: 400 } });
  const created = await submit(100);
  let batch = await client.batches.retrieve(created.id);
  while (batch.status === 'validating') batch = await client.batches.retrieve(created.id);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const cancelling = await client.batches.cancel(created.id);
  expect(cancelling.status).toBe('cancelling');
  expect((await client.batches.cancel(created.id)).status).toMatch(/^cancell/); // idempotent
  batch = await waitForBatch(created.id);
  expect(batch.status).toBe('cancelled');
  const { output, errors } = await partition(batch, 100);
  expect(output.length).toBeGreaterThan(0);
  expect(errors.length).toBeGreaterThan(0);
  for (const line of errors) expect(line.error).toMatchObject({ code: 'batch_cancelled' });
  await expect(client.batches.cancel('batch_missing')).rejects.toMatchObject({ status: 404 });
});

describe('ledger batchesCancelled', () => {
  const getLedger = async () => (await (await fetch(`${sim.url}/_sim/ledger`)).json()) as { batchesCancelled: number };

  test('counts a batch once when its cancel is accepted; it bills only the requests processed before the cancel', async () => {
    // Item faults too, so the processed part holds both billed answers and unbilled error lines.
    sim.setProfile({
      ...FAST,
      seed: 5,
      batch: { validatingMs: 10, completionMs: 600 },
      items: { retryableErrorRate: 0.3 },
    });
    const n = 100;
    const created = await submit(n);
    expect(sim.ledger().batchesCancelled).toBe(0);
    let batch = await client.batches.retrieve(created.id);
    while (batch.status === 'validating') batch = await client.batches.retrieve(created.id);
    await new Promise((resolve) => setTimeout(resolve, 150));

    const cancelling = await client.batches.cancel(created.id);
    expect(cancelling.status).toBe('cancelling');
    // What had run at the cancel: the first `processed` lines, some answered, some failed.
    const { completed, failed } = cancelling.request_counts!;
    const processed = completed + failed;
    expect(completed).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0); // seed 5: c3 is the first line to fail
    expect(processed).toBeLessThan(n);
    expect(sim.ledger().batchesCancelled).toBe(1);
    expect((await client.batches.cancel(created.id)).status).toMatch(/^cancell/);
    expect(sim.ledger().batchesCancelled).toBe(1);
    expect((await getLedger()).batchesCancelled).toBe(1);

    batch = await waitForBatch(created.id);
    expect(batch.status).toBe('cancelled');
    expect((await client.batches.cancel(created.id)).status).toBe('cancelled'); // a no-op on a cancelled batch
    const { output, errors } = await partition(batch, n);
    expect(batch.request_counts).toEqual({ total: n, completed, failed: failed + (n - processed) });
    const ranIds = [...output, ...errors.filter((l) => l.response !== null)].map((l) => l.custom_id).sort();
    expect(ranIds).toEqual(Array.from({ length: processed }, (_, i) => `c${i}`).sort());
    const notRun = errors.filter((l) => l.response === null);
    expect(notRun).toHaveLength(n - processed);
    for (const line of notRun) expect(line.error).toMatchObject({ code: 'batch_cancelled' });

    // Billed: the answered lines that ran before the cancel, nothing else.
    const inputTokens = output.reduce((sum, l) => sum + l.response!.body.usage.prompt_tokens, 0);
    const outputTokens = output.reduce((sum, l) => sum + l.response!.body.usage.completion_tokens, 0);
    const ledger = sim.ledger();
    expect(ledger).toMatchObject({
      batchesCreated: 1,
      batchesCancelled: 1,
      requestsBilled: completed,
      inputTokens,
      outputTokens,
      doubleBilled: 0,
    });
    expect(ledger.byProvider.openai).toMatchObject({ requestsBilled: completed });
    expect(ledger.costUsd).toBeCloseTo(costUsd('gpt-4.1-nano', 'batch', inputTokens, outputTokens), 9);
    expect(batch.usage).toMatchObject({ input_tokens: inputTokens, output_tokens: outputTokens });
  });

  test('a cancel while validating counts and bills nothing; a refused cancel does not count; reset clears it', async () => {
    sim.setProfile({ ...FAST, batch: { validatingMs: 300, completionMs: 30 } });
    const early = await submit(10);
    const cancelling = await client.batches.cancel(early.id);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.request_counts).toMatchObject({ completed: 0, failed: 0 });
    const cancelled = await waitForBatch(early.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.request_counts).toEqual({ total: 10, completed: 0, failed: 10 });
    expect(sim.ledger()).toMatchObject({ batchesCreated: 1, batchesCancelled: 1, requestsBilled: 0 });

    sim.setProfile(FAST);
    const done = await waitForBatch((await submit(3)).id);
    expect(done.status).toBe('completed');
    await expect(client.batches.cancel(done.id)).rejects.toMatchObject({ status: 400, code: 'batch_not_cancellable' });
    await expect(client.batches.cancel('batch_missing')).rejects.toMatchObject({ status: 404 });
    expect(sim.ledger()).toMatchObject({ batchesCreated: 2, batchesCancelled: 1, requestsBilled: 3 });

    expect((await fetch(`${sim.url}/_sim/reset`, { method: 'POST' })).status).toBe(200);
    expect(await getLedger()).toMatchObject({ batchesCreated: 0, batchesCancelled: 0, requestsBilled: 0 });
  });
});

test('http.errorRate 1 fails every /v1 call with 500 while the admin API keeps working', async () => {
  sim.setProfile({ ...FAST, http: { errorRate: 1 } });
  await expect(client.files.list()).rejects.toBeInstanceOf(InternalServerError);
  const res = await fetch(`${sim.url}/_sim/ledger`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ batchesCreated: 0, requestsBilled: 0, doubleBilled: 0 });
});

test('an outage answers 503 for its window, then the provider is back', async () => {
  sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 150 }] });
  await expect(client.batches.list()).rejects.toMatchObject({ status: 503 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await expect(client.batches.list()).resolves.toBeDefined();
});

test('sync.rpm: over the limit is a 429 with retry-after and x-ratelimit headers', async () => {
  sim.setProfile({ ...FAST, sync: { latencyMs: 0, rpm: 2 } });
  const ask = () =>
    client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] });
  await ask();
  await ask();
  const err = await ask().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RateLimitError);
  const headers = (err as RateLimitError).headers;
  expect(Number(headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(headers?.get('x-ratelimit-limit-requests')).toBe('2');
  expect(headers?.get('x-ratelimit-remaining-requests')).toBe('0');
  expect(sim.ledger().requestsBilled).toBe(2);
});

test('sync.tpm: a request that would pass the token budget is refused', async () => {
  sim.setProfile({ ...FAST, sync: { latencyMs: 0, tpm: 30 } });
  const ask = () =>
    client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'x'.repeat(40) }] });
  await ask(); // 13 prompt + 13 completion tokens
  await expect(ask()).rejects.toMatchObject({ status: 429, type: 'tokens' });
});

test('embeddings answer deterministic unit vectors', async () => {
  const a = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'] });
  const b = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'] });
  expect(a.data).toHaveLength(2);
  expect(a.data[0].embedding).toEqual(b.data[0].embedding);
  expect(Math.hypot(...a.data[0].embedding)).toBeCloseTo(1, 4);
});

test('embeddings batches answer one vector per input; lines for another endpoint fail the batch', async () => {
  const line = (i: number, url = '/v1/embeddings') =>
    JSON.stringify({
      custom_id: `e${i}`,
      method: 'POST',
      url,
      body: { model: 'text-embedding-3-small', input: `text ${i}` },
    });
  const upload = async (content: string[]) =>
    (await client.files.create({ file: await toFile(Buffer.from(content.join('\n')), 'e.jsonl'), purpose: 'batch' }))
      .id;
  const create = async (fileId: string) =>
    client.batches.create({ input_file_id: fileId, endpoint: '/v1/embeddings', completion_window: '24h' });

  const ok = await waitForBatch((await create(await upload([line(1), line(2), line(3)]))).id);
  expect(ok.status).toBe('completed');
  const [first] = await readJsonl(ok.output_file_id);
  expect(first.response!.body).toMatchObject({ object: 'list', model: 'text-embedding-3-small' });
  expect(sim.ledger()).toMatchObject({ requestsBilled: 3, outputTokens: 0 });

  const bad = await waitForBatch((await create(await upload([line(1), line(2, '/v1/chat/completions')]))).id);
  expect(bad.status).toBe('failed');
  expect(bad.errors?.data).toEqual([expect.objectContaining({ code: 'invalid_url', line: 2, param: 'url' })]);
});

describe('profile', () => {
  test('every field is optional and defaults to a fault-free fast provider', () => {
    expect(parseProfile({})).toEqual({
      seed: 7,
      batch: { validatingMs: 50, completionMs: 500, failRate: 0, expireRate: 0, rejectRate: 0, stallRate: 0 },
      items: { retryableErrorRate: 0, permanentErrorRate: 0, corruptRate: 0, permanentErrorsRedrawn: false },
      http: { errorRate: 0, lostResponseRate: 0, latencyMs: 0 },
      sync: { latencyMs: 100, rpm: 0, tpm: 0, windowMs: 60_000 },
      promptCache: { ttlMs: 300_000 },
      outages: [],
    });
  });

  test('a misspelt or out-of-range knob is refused', () => {
    expect(() => parseProfile({ batch: { failrate: 0.5 } })).toThrow(/failrate/);
    expect(() => parseProfile({ items: { corruptRate: 2 } })).toThrow(/corruptRate/);
  });

  test('profile files are YAML or JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-profile-'));
    writeFileSync(
      join(dir, 'p.yaml'),
      'seed: 9\nbatch: { failRate: 0.25 }\noutages:\n  - { afterMs: 10, forMs: 20 }\n',
    );
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ http: { latencyMs: 5 } }));
    expect(loadProfileFile(join(dir, 'p.yaml'))).toMatchObject({
      seed: 9,
      batch: { failRate: 0.25, completionMs: 500 },
      outages: [{ afterMs: 10, forMs: 20 }],
    });
    expect(loadProfileFile(join(dir, 'p.json')).http).toEqual({ errorRate: 0, lostResponseRate: 0, latencyMs: 5 });
    rmSync(dir, { recursive: true, force: true });
  });

  test('PUT /_sim/profile replaces the profile and refuses a bad one', async () => {
    const put = (body: unknown) => fetch(`${sim.url}/_sim/profile`, { method: 'PUT', body: JSON.stringify(body) });
    const ok = await put({ seed: 11 });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { seed: number }).seed).toBe(11);
    const bad = await put({ http: { errorRate: 'often' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: unknown }).error).toMatchObject({ type: 'invalid_request_error' });
    const reset = await fetch(`${sim.url}/_sim/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect((await fetch(`${sim.url}/_sim/health`)).status).toBe(200);
  });
});
