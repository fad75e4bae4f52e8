// Conformance of the simulator's Gemini embeddings wire, spoken to by @google/genai 3.6.1 itself:
// batches.createEmbeddings on an uploaded keyed file (asyncBatchEmbedContent), models.embedContent
// (batchEmbedContents), vectors of the asked length, the same text the same vector, keys answered
// back, refusals as the API answers them, and the ledger billing input tokens at the batch price.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { ApiError, JobState, type GoogleGenAI } from '../../providers/google/genai';
import { GeminiBatchProvider } from '../../providers/google/gemini-batch';

const FAST = { batch: { validatingMs: 10, completionMs: 40 }, sync: { latencyMs: 0 } };
const MODEL = 'gemini-embedding-001';

let sim: RunningSimulator;
let ai: GoogleGenAI;
let provider: GeminiBatchProvider;
let dir: string;
let warn: jest.SpyInstance;

beforeAll(async () => {
  sim = await startSimulator({ profile: FAST });
  // The SDK client exactly as provider gemini configures it (v1beta, Node's fetch).
  provider = new GeminiBatchProvider('gemini', { apiKey: 'sim', baseURL: sim.url });
  ai = provider.client;
  dir = await mkdtemp(join(tmpdir(), 'sim-gemini-embed-'));
  // The SDK warns on every createEmbeddings call that the method is experimental.
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterAll(async () => {
  warn.mockRestore();
  await Promise.all([sim.close(), rm(dir, { recursive: true, force: true })]);
});

// Each test starts on a fresh ledger with the fast, fault-free profile.
beforeEach(() => sim.reset());

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function upload(lines: unknown[]): Promise<string> {
  const file = await ai.files.upload({
    file: new Blob([lines.map((l) => JSON.stringify(l)).join('\n')], { type: 'application/jsonl' }),
    config: { mimeType: 'application/jsonl' },
  });
  return file.name ?? '';
}

async function waitEnded(name: string) {
  for (let i = 0; i < 100; i++) {
    const job = await ai.batches.get({ name });
    if (job.state === JobState.JOB_STATE_SUCCEEDED || job.state === JobState.JOB_STATE_FAILED) return job;
    await pause(20);
  }
  throw new Error(`batch ${name} did not end`);
}

async function results(fileName: string) {
  const path = join(dir, `${fileName.replace('/', '_')}.jsonl`);
  await ai.files.download({ file: fileName, downloadPath: path });
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { key: string; response?: { embedding: { values: number[] }; tokenCount: string } });
}

const line = (key: string, text: string, dims?: number) => ({
  key,
  request: { content: { parts: [{ text }] }, ...(dims ? { outputDimensionality: dims } : {}) },
});

describe('Gemini embeddings on the simulator, through @google/genai', () => {
  test('a keyed file batch answers every key with a vector of the asked length, billed at the batch price', async () => {
    const fileName = await upload([line('a', 'the parcel never came', 256), line('b', 'refund please', 256)]);
    const job = await ai.batches.createEmbeddings({
      model: MODEL,
      src: { fileName },
      config: { displayName: 'k (2 requests)' },
    });
    expect(job.displayName).toBe('k (2 requests)');
    const ended = await waitEnded(job.name ?? '');
    expect(ended.dest?.fileName).toBeTruthy();
    const lines = await results(ended.dest?.fileName ?? '');
    expect(lines.map((l) => l.key).sort()).toEqual(['a', 'b']);
    for (const l of lines) {
      expect(l.response?.embedding.values).toHaveLength(256);
      expect(Math.hypot(...(l.response?.embedding.values ?? []))).toBeCloseTo(1, 3);
    }
    const tokens = lines.reduce((sum, l) => sum + Number(l.response?.tokenCount), 0);
    const ledger = sim.ledger();
    expect(ledger).toMatchObject({ batchesCreated: 1, requestsBilled: 2, inputTokens: tokens, outputTokens: 0 });
    // gemini-embedding-001 in batch: $0.075 per 1M input tokens, half the sync $0.15.
    expect(ledger.costUsd).toBeCloseTo((tokens * 0.075) / 1e6, 9);
    expect(ledger.byProvider.gemini?.requestsBilled).toBe(2);
  });

  test('the sync embedContent gives the same text the same vector; the native length without outputDimensionality', async () => {
    const fileName = await upload([line('a', 'refund please', 64)]);
    const ended = await waitEnded((await ai.batches.createEmbeddings({ model: MODEL, src: { fileName } })).name ?? '');
    const [batched] = await results(ended.dest?.fileName ?? '');
    const sync = await ai.models.embedContent({
      model: MODEL,
      contents: 'refund please',
      config: { outputDimensionality: 64 },
    });
    expect(sync.embeddings?.[0]?.values).toEqual(batched.response?.embedding.values);
    expect(sync.usageMetadata?.promptTokenCount).toBe(Number(batched.response?.tokenCount));
    const native = await ai.models.embedContent({ model: MODEL, contents: 'refund please' });
    expect(native.embeddings?.[0]?.values).toHaveLength(3072);
  });

  test('refuses what the API refuses: a chat model, too long a vector, a missing key', async () => {
    const status = async (call: () => Promise<unknown>) => {
      try {
        await call();
      } catch (error) {
        if (error instanceof ApiError) return error.status;
        throw error;
      }
      return 200;
    };
    const fileName = await upload([line('a', 'x')]);
    expect(await status(() => ai.batches.createEmbeddings({ model: 'gemini-2.5-flash', src: { fileName } }))).toBe(404);
    expect(
      await status(() =>
        ai.models.embedContent({ model: MODEL, contents: 'x', config: { outputDimensionality: 4000 } }),
      ),
    ).toBe(400);
    const keyless = await upload([{ request: { content: { parts: [{ text: 'x' }] } } }]);
    expect(await status(() => ai.batches.createEmbeddings({ model: MODEL, src: { fileName: keyless } }))).toBe(400);
    expect(sim.ledger().batchesCreated).toBe(0);
  });

  test('the gemini provider embeds a chunk in a batch and in the sync lane, matched by key', async () => {
    const request = (id: string, input: string) => ({
      customId: id,
      request: { kind: 'embedding' as const, model: MODEL, input, dimensions: 32 },
    });
    const batch = await provider.createBatch(
      (async function* () {
        yield request('x1', 'first ticket');
        yield request('x2', 'second ticket');
      })(),
      undefined,
      'run/0/1',
    );
    expect(batch.metadata).toEqual({ key: 'run/0/1' });
    expect(batch.counts.total).toBe(2);
    await waitEnded(batch.id);
    const answers = [];
    for await (const r of provider.readResults(await provider.getBatch(batch.id))) answers.push(r);
    expect(answers.map((a) => a.customId).sort()).toEqual(['x1', 'x2']);
    const x2 = answers.find((a) => a.customId === 'x2');
    expect(x2?.ok && (JSON.parse(x2.content) as number[])).toHaveLength(32);
    const sync = await provider.callSync(request('x2', 'second ticket'), undefined);
    expect(sync).toEqual({ ...x2, usage: x2?.usage });
    expect(sim.ledger().doubleBilled).toBe(0);
  });
});
