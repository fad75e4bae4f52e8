// 1,000 items through a real dev server and the simulator, spoken to by the official `openai`
// package: every line accounted for, results in input order, nothing billed twice.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { LABEL_SCHEMA, writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { runHistories } from '../support/histories';

describe('a 1,000-item batch run', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 } } });
  });
  afterAll(async () => h?.close());

  it('puts every input line in exactly one output file, in order, billed once', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 1000, {
      duplicateEvery: 25,
      invalidJsonLines: [13],
      missingFieldLines: [501],
    });
    writeFileJson(join(h.dir, 'label.schema.json'), LABEL_SCHEMA);
    const spec = loadSpec(h.writeSpec(fastSpec({ output: { dir: 'out', schema: 'label.schema.json' } })));
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-1000-${Date.now()}` });
    const report = await handle.result();

    const check = verifyRunFiles(report, spec.inputPath, 'id');
    expect(check.problems).toEqual([]);
    expect(report).toMatchObject({ items: 1000, rejected: 2, deadLettered: 0, succeeded: 998 });
    // 40 lines repeat an earlier ticket: each is answered once and fanned out.
    expect(report.duplicates).toBe(40);
    const results = readLines(report.files.results);
    const duplicates = results.filter((r) => r.duplicateOf);
    expect(duplicates).toHaveLength(40);
    const byId = new Map(results.map((r) => [r.id, r]));
    for (const d of duplicates) expect(d.output).toBe(byId.get(d.duplicateOf)!.output);
    for (const r of results) {
      expect(r.parsed).toEqual(JSON.parse(r.output as string));
      expect(r).toMatchObject({
        provider: 'simulator',
        model: 'gpt-4.1-mini',
        mode: 'batch',
        strike: 1,
        cached: false,
      });
    }
    const rejected = readLines(report.files.rejected);
    expect(rejected).toEqual([
      { line: 13, error: expect.stringMatching(/^invalid JSON/) },
      { line: 501, id: 't501', error: 'template field "body" is missing' },
    ]);

    const ledger = h.simulator.ledger();
    expect(ledger.requestsBilled).toBe(998 - 40);
    expect(ledger.batchesCreated).toBe(report.batches);
    expect(report.batches).toBe(Math.ceil((998 - 40) / 100));
    expect(ledger.doubleBilled).toBe(0);
    expect(report.tokens.input).toBe(ledger.inputTokens);
    expect(report.tokens.output).toBe(ledger.outputTokens);
    expect(report.costUsd.actual).toBeCloseTo(ledger.costUsd, 6);
    expect(report.costUsd.syncEquivalent).toBeCloseTo(2 * report.costUsd.actual, 6);
  });

  it('keeps prompts and outputs out of every workflow history', async () => {
    const marker = 'ZEBRA-MARKER-7731';
    writeTickets(join(h.dir, 'marked.jsonl'), 300, { marker });
    const spec = loadSpec(
      h.writeSpec(fastSpec({ input: 'marked.jsonl', output: { dir: 'out-marked' } }), 'marked.yaml'),
    );
    const runId = `it-marker-${Date.now()}`;
    const report = await (await startRun(h.client, spec, { taskQueue: h.taskQueue, runId })).result();

    // The marker really is in the prompts and in the answers (the fake model echoes the prompt).
    expect(readFileSync(spec.inputPath, 'utf8')).toContain(marker);
    expect(readFileSync(report.files.results, 'utf8')).toContain(marker);

    const histories = await runHistories(h.client, runId);
    expect(histories.length).toBe(1 + report.batches); // the parent and one child per chunk
    for (const history of histories) {
      expect(history.text).toContain(runId); // decoding works: the run id is in every history
      expect(history.text).not.toContain(marker);
    }
  });
});

function readLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function writeFileJson(path: string, value: unknown) {
  writeFileSync(path, JSON.stringify(value));
}
