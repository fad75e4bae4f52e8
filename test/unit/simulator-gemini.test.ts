// The simulator's Gemini paths as the official @google/genai SDK sees them: generateContent (text
// and JSON with a responseSchema), Batch Mode with inlined requests and with an uploaded JSONL file
// (create, get, list with page tokens, cancel, delete, the inline responses and the responses file
// downloaded), the validation the real service does (unknown model 404, duplicate or missing keys,
// a body over 20 MB: 400), Google's error shape, the fault knobs, the ledger, and determinism by seed.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { ApiError, GoogleGenAI, JobState, type InlinedRequest } from '../../providers/google/genai';
import { GEMINI_API_VERSION, GEMINI_HTTP } from '../../providers/google/gemini-batch';
import { costUsd } from '../../common/pricing';

const FAST = { batch: { validatingMs: 10, completionMs: 40 }, sync: { latencyMs: 0 } };
const MODEL = 'gemini-2.5-flash';
const SCHEMA = {
  type: 'OBJECT',
  properties: { label: { type: 'STRING', enum: ['billing', 'shipping', 'other'] } },
  required: ['label'],
};

let sim: RunningSimulator;
let ai: GoogleGenAI;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ profile: FAST });
  ai = new GoogleGenAI({
    apiKey: 'sim',
    apiVersion: GEMINI_API_VERSION,
    httpOptions: { baseUrl: sim.url, ...GEMINI_HTTP },
  });
  dir = await mkdtemp(join(tmpdir(), 'sim-gemini-'));
});

afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  sim.reset();
  sim.setProfile(FAST);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function inlined(n: number, prefix = 'item'): InlinedRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    contents: [{ role: 'user', parts: [{ text: `ticket ${prefix} ${i}` }] }],
    config: { maxOutputTokens: 50, responseMimeType: 'application/json', responseSchema: SCHEMA },
    metadata: { key: `${prefix}-${i}` },
  }));
}

async function waitEnded(name: string) {
  for (let i = 0; i < 100; i++) {
    const job = await ai.batches.get({ name });
    if (
      [
        JobState.JOB_STATE_SUCCEEDED,
        JobState.JOB_STATE_FAILED,
        JobState.JOB_STATE_CANCELLED,
        JobState.JOB_STATE_EXPIRED,
      ].includes(job.state as (typeof JobState)[keyof typeof JobState])
    )
      return job;
    await sleep(10);
  }
  throw new Error(`batch ${name} did not end`);
}

async function uploadLines(lines: object[]) {
  const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  return ai.files.upload({
    file: new Blob([text], { type: 'application/jsonl' }),
    config: { mimeType: 'application/jsonl', displayName: 'input' },
  });
}

function fileLine(key: string | undefined, text: string) {
  return {
    ...(key === undefined ? {} : { key }),
    request: { contents: [{ role: 'user', parts: [{ text }] }], generationConfig: { maxOutputTokens: 20 } },
  };
}

async function status(call: () => Promise<unknown>): Promise<{ status: number; body: string }> {
  try {
    await call();
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, body: error.message };
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('generateContent', () => {
  test('answers text and JSON that satisfies the responseSchema, with usageMetadata', async () => {
    const text = await ai.models.generateContent({ model: MODEL, contents: 'hello there' });
    expect(text.text).toBe('Answer to: hello there');
    expect(text.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
    const json = await ai.models.generateContent({
      model: MODEL,
      contents: 'a ticket about an invoice',
      config: {
        systemInstruction: 'Classify.',
        responseMimeType: 'application/json',
        responseSchema: SCHEMA,
      },
    });
    expect(['billing', 'shipping', 'other']).toContain((JSON.parse(json.text ?? '') as { label: string }).label);
    const ledger = sim.ledger();
    expect(ledger.byProvider.gemini?.requestsBilled).toBe(2);
    expect(ledger.byMode.sync.requestsBilled).toBe(2);
  });

  test('an unknown model is a 404 NOT_FOUND, a call without a key a 403, as Google answers', async () => {
    const unknown = await status(() => ai.models.generateContent({ model: 'gemini-9-ultra', contents: 'x' }));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('NOT_FOUND');
    const res = await fetch(`${sim.url}/v1beta/models/${MODEL}:generateContent`, {
      method: 'POST',
      body: JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe('PERMISSION_DENIED');
  });

  test('a request without contents is a 400 INVALID_ARGUMENT', async () => {
    // The SDK itself refuses empty contents: the raw call shows the service's answer.
    const res = await fetch(`${sim.url}/v1beta/models/${MODEL}:generateContent`, {
      method: 'POST',
      body: JSON.stringify({ contents: [] }),
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'sim' },
    });
    const bad = { status: res.status, body: await res.text() };
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('INVALID_ARGUMENT');
  });
});

describe('batches with inlined requests', () => {
  test('create, pending then running then succeeded, responses keyed by metadata, billed once at the batch price', async () => {
    const job = await ai.batches.create({ model: MODEL, src: inlined(5), config: { displayName: 'run/0/1' } });
    expect(job.name).toMatch(/^batches\//);
    expect(job.state).toBe(JobState.JOB_STATE_PENDING);
    expect(job.displayName).toBe('run/0/1');
    const ended = await waitEnded(job.name ?? '');
    expect(ended.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const responses = ended.dest?.inlinedResponses ?? [];
    expect(responses.map((r) => r.metadata?.key)).toEqual(['item-0', 'item-1', 'item-2', 'item-3', 'item-4']);
    for (const r of responses) expect(JSON.parse(r.response?.text ?? '')).toHaveProperty('label');
    // Reading again bills nothing more.
    await ai.batches.get({ name: job.name ?? '' });
    const ledger = sim.ledger();
    expect(ledger.batchesCreated).toBe(1);
    expect(ledger.byProvider.gemini?.requestsBilled).toBe(5);
    expect(ledger.doubleBilled).toBe(0);
    const billed = ledger.byMode.batch;
    expect(billed.costUsd).toBeCloseTo(costUsd(MODEL, 'batch', billed.inputTokens, billed.outputTokens), 8);
  });

  test('duplicate keys and an unknown model refuse the batch (400, 404)', async () => {
    const dup = [...inlined(2), ...inlined(1)];
    const duplicate = await status(() => ai.batches.create({ model: MODEL, src: dup }));
    expect(duplicate.status).toBe(400);
    expect(duplicate.body).toContain('Duplicate key');
    const unknown = await status(() => ai.batches.create({ model: 'gemini-0-nano', src: inlined(1) }));
    expect(unknown.status).toBe(404);
    expect(sim.ledger().batchesCreated).toBe(0);
  });

  test('a body over the 20 MB request limit is a 400', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const src: InlinedRequest[] = Array.from({ length: 21 }, (_, i) => ({
      contents: [{ role: 'user', parts: [{ text: big }] }],
      metadata: { key: `big-${i}` },
    }));
    const tooBig = await status(() => ai.batches.create({ model: MODEL, src }));
    expect(tooBig.status).toBe(400);
    expect(tooBig.body).toContain('exceeds the limit');
  });

  test('cancel ends the batch CANCELLED, counted once; delete removes it', async () => {
    sim.setProfile({ ...FAST, batch: { validatingMs: 10, completionMs: 5_000 } });
    const job = await ai.batches.create({ model: MODEL, src: inlined(3) });
    await ai.batches.cancel({ name: job.name ?? '' });
    await ai.batches.cancel({ name: job.name ?? '' });
    const cancelled = await ai.batches.get({ name: job.name ?? '' });
    expect(cancelled.state).toBe(JobState.JOB_STATE_CANCELLED);
    expect(sim.ledger().batchesCancelled).toBe(1);
    await ai.batches.delete({ name: job.name ?? '' });
    expect((await status(() => ai.batches.get({ name: job.name ?? '' }))).status).toBe(404);
  });

  test('list pages with page tokens, newest first', async () => {
    const names: string[] = [];
    for (let i = 0; i < 5; i++)
      names.push((await ai.batches.create({ model: MODEL, src: inlined(1, `l${i}`) })).name ?? '');
    const pager = await ai.batches.list({ config: { pageSize: 2 } });
    const seen: string[] = [];
    for await (const job of pager) seen.push(job.name ?? '');
    expect(seen).toEqual([...names].reverse());
  });
});

describe('batches from an uploaded file', () => {
  test('resumable upload, create, and the responses file downloaded, matched by key', async () => {
    const file = await uploadLines([fileLine('a', 'first'), fileLine('b', 'second')]);
    expect(file.name).toMatch(/^files\//);
    expect((await ai.files.get({ name: file.name ?? '' })).sizeBytes).toBe(String(file.sizeBytes));
    const job = await ai.batches.create({ model: MODEL, src: file.name ?? '', config: { displayName: 'f' } });
    const ended = await waitEnded(job.name ?? '');
    expect(ended.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const out = ended.dest?.fileName ?? '';
    expect(out).toMatch(/^files\/batch-/);
    const path = join(dir, 'out.jsonl');
    await ai.files.download({ file: out, downloadPath: path });
    const lines = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { key: string; response: { candidates: Array<{ content: { parts: [{ text: string }] } }> } },
      );
    expect(lines.map((l) => l.key)).toEqual(['a', 'b']);
    expect(lines[1].response.candidates[0].content.parts[0].text).toBe('Answer to: second');
    expect(sim.ledger().byProvider.gemini?.requestsBilled).toBe(2);
  });

  test('a line without a key, or a key twice, refuses the batch with a 400', async () => {
    const missing = await uploadLines([fileLine('a', 'x'), fileLine(undefined, 'y')]);
    expect((await status(() => ai.batches.create({ model: MODEL, src: missing.name ?? '' }))).status).toBe(400);
    const twice = await uploadLines([fileLine('a', 'x'), fileLine('a', 'y')]);
    const dup = await status(() => ai.batches.create({ model: MODEL, src: twice.name ?? '' }));
    expect(dup.status).toBe(400);
    expect(dup.body).toContain('Duplicate key');
  });
});

describe('faults', () => {
  test('a permanent error sticks to its key on every attempt, and is the same for the same seed', async () => {
    sim.setProfile({ ...FAST, seed: 5, items: { permanentErrorRate: 0.3 } });
    const failedKeys = async () => {
      const job = await ai.batches.create({ model: MODEL, src: inlined(40) });
      const ended = await waitEnded(job.name ?? '');
      return (ended.dest?.inlinedResponses ?? []).filter((r) => r.error).map((r) => r.metadata?.key);
    };
    const first = await failedKeys();
    expect(first.length).toBeGreaterThan(3);
    expect(await failedKeys()).toEqual(first);
    // The error is the provider's INVALID_ARGUMENT, gRPC code 3.
    const job = await ai.batches.create({ model: MODEL, src: inlined(40) });
    const error = (await waitEnded(job.name ?? '')).dest?.inlinedResponses?.find((r) => r.error)?.error;
    expect(error?.code).toBe(3);
    // With permanentErrorsRedrawn, each attempt draws afresh.
    sim.setProfile({ ...FAST, seed: 5, items: { permanentErrorRate: 0.3, permanentErrorsRedrawn: true } });
    const redrawn = [await failedKeys(), await failedKeys()];
    expect(redrawn[0]).not.toEqual(redrawn[1]);
  });

  test('same seed, same calls: the same batch fates and answers', async () => {
    const run = async () => {
      sim.reset();
      sim.setProfile({
        ...FAST,
        seed: 9,
        batch: { ...FAST.batch, failRate: 0.3, expireRate: 0.3 },
        items: { retryableErrorRate: 0.2 },
      });
      const out: unknown[] = [];
      for (let i = 0; i < 6; i++) {
        const ended = await waitEnded(
          (await ai.batches.create({ model: MODEL, src: inlined(10, `d${i}`) })).name ?? '',
        );
        out.push([ended.state, (ended.dest?.inlinedResponses ?? []).map((r) => r.error?.code ?? r.response?.text)]);
      }
      return out;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first.map((f) => (f as [string])[0])).size).toBeGreaterThan(1);
  });

  test('a batch that fails whole is counted in the ledger, billed nothing', async () => {
    sim.reset();
    sim.setProfile({ ...FAST, batch: { ...FAST.batch, failRate: 1 } });
    const ended = await waitEnded((await ai.batches.create({ model: MODEL, src: inlined(3) })).name ?? '');
    expect(ended.state).toBe(JobState.JOB_STATE_FAILED);
    expect(sim.ledger()).toMatchObject({ batchesCreated: 1, batchesFailed: 1, requestsBilled: 0 });
  });

  test('rejectRate refuses creates with a 400; outages and error rates answer in Google shape', async () => {
    sim.setProfile({ ...FAST, batch: { rejectRate: 1 } });
    expect((await status(() => ai.batches.create({ model: MODEL, src: inlined(1) }))).status).toBe(400);
    sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 60_000, provider: 'gemini' }] });
    const down = await status(() => ai.models.generateContent({ model: MODEL, contents: 'x' }));
    expect(down.status).toBe(503);
    expect(down.body).toContain('UNAVAILABLE');
    sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 60_000, provider: 'gemini', status: 429 }] });
    const limited = await status(() => ai.models.generateContent({ model: MODEL, contents: 'x' }));
    expect(limited.status).toBe(429);
    expect(limited.body).toContain('RetryInfo');
    sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 60_000, provider: 'gemini', status: 401 }] });
    const rejected = await status(() => ai.models.generateContent({ model: MODEL, contents: 'x' }));
    expect(rejected.status).toBe(400);
    expect(rejected.body).toContain('API_KEY_INVALID');
    sim.setProfile({ ...FAST, http: { errorRate: 1 } });
    expect((await status(() => ai.batches.list())).status).toBe(500);
  });

  test('stallRate keeps a batch PENDING until it is cancelled', async () => {
    sim.setProfile({ ...FAST, batch: { validatingMs: 0, completionMs: 0, stallRate: 1 } });
    const job = await ai.batches.create({ model: MODEL, src: inlined(2) });
    await sleep(30);
    expect((await ai.batches.get({ name: job.name ?? '' })).state).toBe(JobState.JOB_STATE_PENDING);
    await ai.batches.cancel({ name: job.name ?? '' });
    expect((await ai.batches.get({ name: job.name ?? '' })).state).toBe(JobState.JOB_STATE_CANCELLED);
  });
});
