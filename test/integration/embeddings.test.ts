// Embeddings (`endpoint: embeddings`, `embed: FIELD`) through a real dev server and the simulator:
// 10,000 texts through the batch lane, every line a vector of the asked length, the same text the
// same vector, billed once and reported as the simulator billed it; and no text or vector in any
// workflow history (the vectors travel provider -> store -> results.jsonl, never through Temporal).
// Then the sync lane (mode: sync, the model's own 1536 dimensions) with lines that cannot be embedded.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { costUsd } from '../../common';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { runHistories } from '../support/histories';
import { readJsonl } from '../support/run-files';

const MARKER = 'QUOKKA-EMBED-4471';
const WORDS = ['river', 'granite', 'lantern', 'orchid', 'falcon', 'meadow', 'copper', 'harbor', 'thistle', 'ember'];

/** Text n: unique (its number spelled in words), with the marker; every 50th line repeats line n-7's text. */
function textOf(n: number): string {
  const spelled = String(n)
    .split('')
    .map((d) => WORDS[Number(d)])
    .join(' ');
  return `Document ${spelled} ${MARKER}: notes on the ${WORDS[n % 10]} by the ${WORDS[(n * 7) % 10]}.`;
}
const sourceOf = (n: number) => (n % 50 === 0 ? n - 7 : n);

function writeTexts(path: string, count: number, extra: string[] = []) {
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({ id: `e${i + 1}`, text: textOf(sourceOf(i + 1)) }),
  );
  writeFileSync(path, [...lines, ...extra].join('\n') + '\n');
}

const embedSpec = (overrides: Record<string, unknown>) => {
  const spec = fastSpec({
    endpoint: 'embeddings',
    embed: 'text',
    model: 'text-embedding-3-small',
    input: 'texts.jsonl',
    ...overrides,
  });
  delete spec.template;
  delete spec.maxTokens;
  return spec;
};

const within = (actual: number, expected: number, share: number) =>
  Math.abs(actual - expected) <= share * Math.abs(expected);

describe('embeddings', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 200 }, sync: { latencyMs: 5 } } });
  });
  afterAll(async () => h?.close());

  it('embeds 10,000 texts through the batch lane, with no text or vector in any history', async () => {
    const count = 10_000;
    writeTexts(join(h.dir, 'texts.jsonl'), count);
    const spec = loadSpec(h.writeSpec(embedSpec({ dimensions: 256, chunkSize: 2500, output: { dir: 'out-10k' } })));
    const runId = `it-embed-10k-${Date.now()}`;
    const report = await (await startRun(h.client, spec, { taskQueue: h.taskQueue, runId })).result();

    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ items: count, succeeded: count, deadLettered: 0, rejected: 0, duplicates: 200 });
    const results = readJsonl(report.files.results);
    expect(results).toHaveLength(count);
    const byText = new Map<string, number[]>();
    results.forEach((r, i) => {
      const n = i + 1;
      expect(r).toMatchObject({ id: `e${n}`, provider: 'simulator', model: 'text-embedding-3-small', mode: 'batch' });
      expect(r.output).toBeUndefined();
      const vector = r.embedding as number[];
      expect(vector).toHaveLength(256);
      const text = textOf(sourceOf(n));
      const earlier = byText.get(text);
      if (earlier)
        expect(vector).toEqual(earlier); // a repeated text: the same vector
      else byText.set(text, vector);
      expect((r.usage as { outputTokens: number }).outputTokens).toBe(0);
    });
    expect(byText.size).toBe(count - 200);

    const ledger = h.simulator.ledger();
    expect(ledger).toMatchObject({ requestsBilled: count - 200, outputTokens: 0, doubleBilled: 0 });
    expect(ledger.batchesCreated).toBe(4);
    expect(report.batches).toBe(4);
    expect(ledger.byMode.sync.requestsBilled).toBe(0);
    expect(report.tokens.input).toBe(ledger.inputTokens);
    expect(within(report.costUsd.actual, ledger.costUsd, 0.005)).toBe(true);
    // Batch is half the sync price: what the same answers would have cost through sync calls.
    expect(within(report.costUsd.syncEquivalent, 2 * ledger.costUsd, 0.005)).toBe(true);

    // Every history of the run (the parent and each chunk): no text, no marker, no run of a vector.
    const histories = await runHistories(h.client, runId);
    expect(histories.length).toBe(1 + report.batches);
    const fragments = [...byText.values()].map((v) => v.slice(0, 3).map(String).join(','));
    for (const history of histories) {
      expect(history.text).toContain(runId); // decoding works: the run id is in every history
      expect(history.text).not.toContain(MARKER);
      expect(history.text).not.toContain('"embedding"');
      expect([...byText.keys()].filter((text) => history.text.includes(text))).toEqual([]);
      expect(fragments.filter((f) => history.text.includes(f))).toEqual([]);
    }
  }, 240_000);

  it('embeds through the sync lane, rejects lines it cannot embed, and gives a text the same vector in both lanes', async () => {
    const bad = [
      JSON.stringify({ id: 'no-text' }),
      JSON.stringify({ id: 'number', text: 42 }),
      JSON.stringify({ id: 'blank', text: '   ' }),
    ];
    writeTexts(join(h.dir, 'sync.jsonl'), 30, bad);
    const sync = loadSpec(h.writeSpec(embedSpec({ input: 'sync.jsonl', mode: 'sync', output: { dir: 'out-sync' } })));
    const before = h.simulator.ledger().byMode.sync;
    const report = await (
      await startRun(h.client, sync, { taskQueue: h.taskQueue, runId: `it-embed-sync-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, sync.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ items: 33, succeeded: 30, deadLettered: 0, rejected: 3 });
    expect(readJsonl(report.files.rejected)).toEqual([
      { line: 31, id: 'no-text', error: 'embed field "text" is missing' },
      { line: 32, id: 'number', error: 'embed field "text" must be text, not a number' },
      { line: 33, id: 'blank', error: 'embed field "text" is empty' },
    ]);
    const results = readJsonl(report.files.results);
    for (const r of results) {
      expect(r).toMatchObject({ mode: 'sync', strike: 1, model: 'text-embedding-3-small' });
      expect(r.embedding).toHaveLength(1536); // the model's own length: no dimensions asked
    }
    const ledger = h.simulator.ledger().byMode.sync;
    expect(ledger.requestsBilled - before.requestsBilled).toBe(30);
    expect(ledger.outputTokens).toBe(0);
    // 30 short texts cost about a thousandth of a cent: compared in tokens, and in dollars to the report's 1e-6 rounding.
    expect(report.tokens.input).toBe(ledger.inputTokens - before.inputTokens);
    expect(report.costUsd.actual).toBeCloseTo(ledger.costUsd - before.costUsd, 6);
    expect(report.costUsd.actual).toBeCloseTo(costUsd('text-embedding-3-small', 'sync', report.tokens.input, 0), 6);

    // The first five texts again, through a batch: the same vectors as the sync calls gave.
    writeTexts(join(h.dir, 'again.jsonl'), 5);
    const batch = loadSpec(
      h.writeSpec(embedSpec({ input: 'again.jsonl', output: { dir: 'out-again' } }), 'again.yaml'),
    );
    const again = await (
      await startRun(h.client, batch, { taskQueue: h.taskQueue, runId: `it-embed-again-${Date.now()}` })
    ).result();
    expect(again).toMatchObject({ succeeded: 5, batches: 1 });
    expect(readJsonl(again.files.results).map((r) => r.embedding)).toEqual(results.slice(0, 5).map((r) => r.embedding));
  }, 120_000);
});
