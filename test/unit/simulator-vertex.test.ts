// The simulator's Vertex AI wire, spoken to by @google/genai in Vertex mode with Application Default
// Credentials from a throwaway credentials file whose token URL is the simulator, and Cloud Storage
// in the real emulator (fake-gcs-server): a job's input read from and its predictions written to
// it, the states Vertex adds, and the refusals the real service gives.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { startGcsEmulator, type GcsEmulator } from '../../dev/gcs-emulator';
import { writeSimulatorCredentials } from '../../dev/vertex-credentials';
import { GEMINI_HTTP } from '../../providers/google/gemini-batch';
import { GoogleGenAI, JobState } from '../../providers/google/genai';
import { startSimulator, type RunningSimulator } from '../../simulator';

const FAST = { batch: { validatingMs: 10, completionMs: 30 }, sync: { latencyMs: 0 } };
const BUCKET = 'llmbatch-vertex-sim';

let gcs: GcsEmulator;
let sim: RunningSimulator;
let storage: Storage;
let keyFile: string;

beforeAll(async () => {
  gcs = await startGcsEmulator();
  sim = await startSimulator({ profile: FAST, storageUrl: gcs.url });
  storage = new Storage({ apiEndpoint: gcs.url, projectId: 'llmbatch-test' });
  await storage.createBucket(BUCKET);
  keyFile = writeSimulatorCredentials(mkdtempSync(join(tmpdir(), 'llmbatch-vertex-')), sim.url);
}, 300_000);
afterAll(async () => {
  await sim?.close();
  await gcs?.stop();
});
beforeEach(() => {
  sim.reset();
  sim.setProfile(FAST);
});

function client(options: { keyFilename?: string } = {}) {
  return new GoogleGenAI({
    vertexai: true,
    project: 'llmbatch-test',
    location: 'us-central1',
    googleAuthOptions: { keyFilename: options.keyFilename ?? keyFile },
    httpOptions: { baseUrl: sim.url, ...GEMINI_HTTP },
  });
}

async function putInput(name: string, n: number, keyOf = (i: number) => `k${i}`): Promise<string> {
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      key: keyOf(i),
      request: {
        contents: [{ role: 'user', parts: [{ text: `item ${i}` }] }],
        generationConfig: { maxOutputTokens: 20 },
      },
    }),
  );
  await storage
    .bucket(BUCKET)
    .file(name)
    .save(lines.join('\n') + '\n', { resumable: false });
  return `gs://${BUCKET}/${name}`;
}

async function waitEnded(ai: GoogleGenAI, name: string) {
  for (let i = 0; i < 200; i++) {
    const job = await ai.batches.get({ name });
    if (job.state && /SUCCEEDED|FAILED|CANCELLED|EXPIRED/.test(job.state)) return job;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the job never ended');
}

async function predictions(directory: string): Promise<Array<Record<string, unknown>>> {
  const prefix = directory.replace(`gs://${BUCKET}/`, '');
  const [files] = await storage.bucket(BUCKET).getFiles({ prefix });
  const rows: Array<Record<string, unknown>> = [];
  for (const f of files) {
    const [text] = await f.download();
    for (const line of text.toString().split('\n')) if (line.trim()) rows.push(JSON.parse(line));
  }
  return rows;
}

describe('the simulated Vertex AI batch prediction API', () => {
  it('runs a job from a gs:// input to predictions.jsonl under the output prefix, answers matched by key', async () => {
    const ai = client();
    const src = await putInput('in/a.jsonl', 5);
    const created = await ai.batches.create({
      model: 'gemini-2.5-flash',
      src,
      config: { displayName: 'run-1/chunk-0/strike-1 (5 requests)', dest: `gs://${BUCKET}/out/a` },
    });
    expect(created.name).toMatch(/^projects\/llmbatch-test\/locations\/us-central1\/batchPredictionJobs\/\d+$/);
    expect(created.state).toBe(JobState.JOB_STATE_PENDING);
    const job = await waitEnded(ai, created.name!);
    expect(job.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    expect(job.dest?.gcsUri).toBe(`gs://${BUCKET}/out/a`);
    const dir = (job as { outputInfo?: { gcsOutputDirectory?: string } }).outputInfo?.gcsOutputDirectory ?? '';
    expect(dir.startsWith(`gs://${BUCKET}/out/a/prediction-model-`)).toBe(true);
    const rows = await predictions(dir);
    expect(rows.map((r) => r.key).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    expect(rows.every((r) => r.status === '' && r.response)).toBe(true);
    expect(sim.ledger().byProvider.vertex?.requestsBilled).toBe(5);

    const listed = await ai.batches.list({ config: { filter: `display_name="run-1/chunk-0/strike-1 (5 requests)"` } });
    const names: string[] = [];
    for await (const j of listed) names.push(j.name!);
    expect(names).toEqual([created.name]);
    await ai.batches.delete({ name: created.name! });
    await expect(ai.batches.get({ name: created.name! })).rejects.toMatchObject({ status: 404 });
  }, 30_000);

  it('ends PARTIALLY_SUCCEEDED with the failed rows carrying their error, and QUEUED jobs wait until cancelled', async () => {
    sim.setProfile({ ...FAST, items: { retryableErrorRate: 0.3 }, seed: 3 });
    const ai = client();
    const job = await waitEnded(
      ai,
      (
        await ai.batches.create({
          model: 'gemini-2.5-flash',
          src: await putInput('in/b.jsonl', 40),
          config: { dest: `gs://${BUCKET}/out/b` },
        })
      ).name!,
    );
    expect(job.state).toBe(JobState.JOB_STATE_PARTIALLY_SUCCEEDED);
    const rows = await predictions(
      (job as { outputInfo?: { gcsOutputDirectory?: string } }).outputInfo!.gcsOutputDirectory!,
    );
    const failed = rows.filter((r) => r.status !== '');
    expect(failed.length).toBeGreaterThan(0);
    expect(String(failed[0].status)).toMatch(/^(Internal Server Error|Too Many Requests): \{"error"/);

    sim.setProfile({ ...FAST, batch: { ...FAST.batch, stallRate: 1 } });
    const stalled = await ai.batches.create({
      model: 'gemini-2.5-flash',
      src: await putInput('in/c.jsonl', 2),
      config: { dest: `gs://${BUCKET}/out/c` },
    });
    await new Promise((r) => setTimeout(r, 80));
    expect((await ai.batches.get({ name: stalled.name! })).state).toBe(JobState.JOB_STATE_QUEUED);
    await ai.batches.cancel({ name: stalled.name! });
    expect((await ai.batches.get({ name: stalled.name! })).state).toBe(JobState.JOB_STATE_CANCELLED);
  }, 30_000);

  it('refuses what Vertex refuses: unknown model, missing object or bucket, duplicate keys, no credentials', async () => {
    const ai = client();
    const src = await putInput('in/d.jsonl', 2);
    const dest = `gs://${BUCKET}/out/d`;
    await expect(ai.batches.create({ model: 'gemini-9-ultra', src, config: { dest } })).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      ai.batches.create({ model: 'gemini-2.5-flash', src: `gs://${BUCKET}/in/missing.jsonl`, config: { dest } }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining('does not exist') });
    await expect(
      ai.batches.create({ model: 'gemini-2.5-flash', src, config: { dest: 'gs://no-such-bucket/out' } }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining('no-such-bucket') });
    const dup = await putInput('in/dup.jsonl', 2, () => 'same');
    await expect(ai.batches.create({ model: 'gemini-2.5-flash', src: dup, config: { dest } })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('Duplicate key'),
    });
    const keyless = await fetch(`${sim.url}/v1beta1/projects/p/locations/l/batchPredictionJobs`);
    expect(keyless.status).toBe(401);
    expect(sim.ledger().batchesCreated).toBe(0);
  }, 30_000);

  it('answers generateContent on the publisher model path, billed to vertex', async () => {
    const response = await client().models.generateContent({
      model: 'gemini-2.5-flash-lite',
      contents: [{ role: 'user', parts: [{ text: 'hello' }] }],
      config: { maxOutputTokens: 20 },
    });
    expect(response.text).toBeTruthy();
    expect(sim.ledger().byProvider.vertex?.requestsBilled).toBe(1);
  });
});
