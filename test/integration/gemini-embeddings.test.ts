// Embeddings on provider gemini (gemini-embedding-001 through @google/genai's batches.createEmbeddings
// and models.embedContent, against the simulator's Gemini wire): every line a vector of the asked
// length, the same text the same vector in both lanes, billed once at the batch or sync price and
// reported as the simulator billed it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';

const ITEMS = 600;
/** Every 20th line repeats the text of the line before it. */
const textOf = (n: number) => `Ticket ${n % 20 === 0 ? n - 1 : n}: the parcel was late and the box was torn.`;

const geminiEmbedSpec = (overrides: Record<string, unknown>) => {
  const spec = fastSpec({
    endpoint: 'embeddings',
    embed: 'text',
    provider: 'gemini',
    model: 'gemini-embedding-001',
    input: 'texts.jsonl',
    dimensions: 128,
    chunkSize: 200,
    ...overrides,
  });
  delete spec.template;
  delete spec.maxTokens;
  return spec;
};

describe('Gemini embeddings', () => {
  let h: Harness;
  let warn: jest.SpyInstance;
  beforeAll(async () => {
    // @google/genai warns on every createEmbeddings call that the method is experimental.
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    h = await startHarness({
      profile: { batch: { validatingMs: 20, completionMs: 100 }, sync: { latencyMs: 2 } },
      providerEnv: (url) => ({ geminiApiKey: 'sim', geminiBaseUrl: url }),
    });
    writeFileSync(
      join(h.dir, 'texts.jsonl'),
      Array.from({ length: ITEMS }, (_, i) => JSON.stringify({ id: `t${i + 1}`, text: textOf(i + 1) })).join('\n') +
        '\n',
    );
  });
  afterAll(async () => {
    await h?.close();
    warn.mockRestore();
  });

  const run = async (name: string, overrides: Record<string, unknown>) => {
    h.simulator.reset();
    const spec = loadSpec(
      h.writeSpec(geminiEmbedSpec({ output: { dir: `out-${name}` }, ...overrides }), `${name}.yaml`),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-gemini-embed-${name}-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    const ledger = h.simulator.ledger();
    expect(ledger.doubleBilled).toBe(0);
    expect(report.costUsd.actual).toBeGreaterThan(0);
    expect(report.costUsd.actual).toBeCloseTo(ledger.costUsd, 6);
    return { report, ledger, results: readJsonl(report.files.results) };
  };

  it('embeds in Gemini batches and in the sync lane: the same text, the same vector of the asked length', async () => {
    const batch = await run('batch', {});
    expect(batch.report).toMatchObject({ items: ITEMS, succeeded: ITEMS, deadLettered: 0, duplicates: 30 });
    expect(batch.ledger).toMatchObject({ batchesCreated: 3, requestsBilled: ITEMS - 30, outputTokens: 0 });
    expect(batch.ledger.byProvider.gemini?.requestsBilled).toBe(ITEMS - 30);
    for (const [i, r] of batch.results.entries()) {
      expect(r).toMatchObject({ id: `t${i + 1}`, provider: 'gemini', model: 'gemini-embedding-001', mode: 'batch' });
      expect(r.embedding).toHaveLength(128);
      if ((i + 1) % 20 === 0) expect(r.embedding).toEqual(batch.results[i - 1].embedding);
    }

    const sync = await run('sync', { mode: 'sync' });
    expect(sync.report).toMatchObject({ items: ITEMS, succeeded: ITEMS, deadLettered: 0 });
    expect(sync.ledger.byMode.sync.requestsBilled).toBe(ITEMS - 30);
    expect(sync.results.map((r) => r.embedding)).toEqual(batch.results.map((r) => r.embedding));
    // Batch Mode is half the price of the same tokens embedded one by one.
    expect(batch.report.costUsd.actual).toBeCloseTo(sync.report.costUsd.actual / 2, 6);
  }, 90_000);
});
