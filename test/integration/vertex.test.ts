// The pipeline on Vertex AI batch prediction (the simulator's Vertex paths, spoken to by the official
// @google/genai SDK in Vertex mode with Application Default Credentials from a throwaway file, and
// Cloud Storage in the real fake-gcs-server emulator): every line accounted for and billed once, a
// job that ends PARTIALLY_SUCCEEDED whose failed rows are answered at strike 2, and lost create
// responses that never make a second job.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import Ajv from 'ajv';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { createEmulatorBucket, startGcsEmulator, type GcsEmulator } from '../../dev/gcs-emulator';
import { vertexAtSimulator } from '../../dev/vertex-credentials';
import { LABEL_SCHEMA, writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';

const FAST = { validatingMs: 20, completionMs: 100 };
const BUCKET = 'llmbatch-vertex-it';
const vertexSpec = (extra: Record<string, unknown> = {}) =>
  fastSpec({
    provider: 'vertex',
    model: 'gemini-2.5-flash',
    output: { dir: 'out', schema: 'label.schema.json' },
    ...extra,
  });

describe('Vertex AI batch prediction', () => {
  let gcs: GcsEmulator;
  let h: Harness;
  beforeAll(async () => {
    gcs = await startGcsEmulator();
    await createEmulatorBucket(gcs.url, BUCKET);
    h = await startHarness({
      profile: { batch: FAST },
      storageUrl: gcs.url,
      providerEnv: (url) => ({
        // The spec names the bucket (vertex.bucket); the environment gives the rest.
        ...vertexAtSimulator(url, gcs.url, mkdtempSync(join(tmpdir(), 'llmbatch-vertex-it-'))),
        vertexBucket: undefined,
        breaker: { threshold: 3, initialOpenMs: 200, maxOpenMs: 1000 },
      }),
    });
    writeTickets(join(h.dir, 'tickets.jsonl'), 300);
    writeFileSync(join(h.dir, 'label.schema.json'), JSON.stringify(LABEL_SCHEMA));
  }, 300_000);
  afterAll(async () => {
    await h?.close();
    await gcs?.stop();
  });

  const withBucket = (extra: Record<string, unknown> = {}) =>
    vertexSpec({ vertex: { bucket: `gs://${BUCKET}/runs` }, ...extra });

  it('runs a spec with provider vertex: every line accounted for, priced, billed once, files in the bucket', async () => {
    h.simulator.reset();
    const spec = loadSpec(h.writeSpec(withBucket()));
    const runId = `it-vertex-${Date.now()}`;
    const report = await (await startRun(h.client, spec, { taskQueue: h.taskQueue, runId })).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ items: 300, succeeded: 300, deadLettered: 0, batches: 3 });
    const validate = new Ajv().compile(LABEL_SCHEMA);
    for (const r of readJsonl(report.files.results)) {
      expect(r.provider).toBe('vertex');
      expect(validate(r.parsed)).toBe(true);
    }
    expect(report.costUsd.actual).toBeGreaterThan(0);
    const ledger = h.simulator.ledger();
    expect(ledger).toMatchObject({ batchesCreated: 3, requestsBilled: 300, doubleBilled: 0 });
    expect(ledger.byProvider.vertex?.requestsBilled).toBe(300);
    expect(report.costUsd.actual).toBeCloseTo(ledger.costUsd, 6);
    // Inputs and predictions live under the spec's bucket prefix, one folder per chunk and strike.
    const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'llmbatch-test' });
    const [files] = await storage.bucket(BUCKET).getFiles({ prefix: `runs/llmbatch/${runId}/` });
    expect(files.filter((f) => f.name.endsWith('/input.jsonl'))).toHaveLength(3);
    expect(files.filter((f) => f.name.endsWith('/predictions.jsonl'))).toHaveLength(3);
  }, 90_000);

  it('collects a PARTIALLY_SUCCEEDED job and answers its failed rows at strike 2', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ seed: 11, batch: FAST, items: { retryableErrorRate: 0.1 } });
    const spec = loadSpec(
      h.writeSpec(withBucket({ retry: { strike2Delay: '10ms', strike3Delay: '10ms' } }), 'partial.yaml'),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-vertex-partial-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ items: 300, succeeded: 300, deadLettered: 0 });
    const strikes = readJsonl(report.files.results).map((r) => r.strike as number);
    expect(strikes.filter((s) => s === 2).length).toBeGreaterThan(0);
    expect(strikes.filter((s) => s === 1).length).toBeGreaterThan(200);
    const ledger = h.simulator.ledger();
    // A failed row is not billed: every item is billed once, by the strike that answered it.
    expect(ledger).toMatchObject({ requestsBilled: 300, doubleBilled: 0 });
  }, 90_000);

  it('creates each job once although create responses get lost (the key in the display name)', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ seed: 5, batch: FAST, http: { lostResponseRate: 0.3 } });
    const spec = loadSpec(h.writeSpec(withBucket({ chunkSize: 50, limits: { concurrentBatches: 2 } }), 'lost.yaml'));
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-vertex-lost-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report.succeeded + report.deadLettered).toBe(300);
    const ledger = h.simulator.ledger();
    expect(ledger.doubleBilled).toBe(0);
    expect(ledger.batchesCreated).toBe(report.batches);
  }, 120_000);

  it('cancels a job held QUEUED at poll.startDeadline; its items go on and end answered', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: { ...FAST, stallRate: 1 } });
    const spec = loadSpec(
      h.writeSpec(
        withBucket({
          chunkSize: 150,
          poll: { initial: '50ms', max: '200ms', startDeadline: '1s', deadline: '1m' },
          retry: { strike2Delay: '50ms', strike3Delay: '50ms', syncBackoff: '10ms' },
        }),
        'stalled.yaml',
      ),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-vertex-stalled-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ status: 'completed', items: 300, succeeded: 300, deadLettered: 0 });
    expect(report.batchesStopped).toEqual({ deadline: 0, stalled: 4 });
    const ledger = h.simulator.ledger();
    expect(ledger).toMatchObject({ batchesCreated: 4, batchesCancelled: 4, doubleBilled: 0 });
    expect(ledger.byProvider.vertex?.requestsBilled).toBe(300);
  }, 90_000);

  it('refuses a spec whose vertex section names no provider vertex', () => {
    expect(() =>
      loadSpec(h.writeSpec(fastSpec({ provider: 'simulator', vertex: { project: 'my-project-1' } }), 'stray.yaml')),
    ).toThrow(/vertex: only for provider vertex/);
  });
});
