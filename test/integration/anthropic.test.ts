// The same pipeline on Anthropic's Message Batches wire (the simulator's Anthropic paths, spoken
// to by the official @anthropic-ai/sdk): structured output through a forced tool, and batches
// created once even when create responses are lost (Anthropic has no metadata to find them by).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { LABEL_SCHEMA, writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';

const claudeSpec = (extra: Record<string, unknown> = {}) =>
  fastSpec({ model: 'claude-haiku-4-5', output: { dir: 'out', schema: 'label.schema.json' }, ...extra });

describe('Anthropic batches', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 } } });
    writeTickets(join(h.dir, 'tickets.jsonl'), 300);
    writeFileSync(join(h.dir, 'label.schema.json'), JSON.stringify(LABEL_SCHEMA));
  });
  afterAll(async () => h?.close());

  it('runs a spec through Message Batches with a forced tool for the schema', async () => {
    const spec = loadSpec(h.writeSpec(claudeSpec()));
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-claude-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({
      items: 300,
      succeeded: 300,
      deadLettered: 0,
      batches: 3,
      model: 'claude-haiku-4-5',
    });
    const validate = new Ajv().compile(LABEL_SCHEMA);
    for (const r of readJsonl(report.files.results)) expect(validate(r.parsed)).toBe(true);
    const ledger = h.simulator.ledger();
    expect(ledger).toMatchObject({ batchesCreated: 3, requestsBilled: 300, doubleBilled: 0 });
    expect(report.costUsd.actual).toBeCloseTo(ledger.costUsd, 6);
  });

  it('creates each batch once although create responses get lost', async () => {
    h.simulator.reset();
    h.simulator.setProfile({
      seed: 5,
      batch: { validatingMs: 20, completionMs: 100 },
      http: { lostResponseRate: 0.3 },
    });
    const spec = loadSpec(h.writeSpec(claudeSpec({ chunkSize: 50, limits: { concurrentBatches: 2 } }), 'lost.yaml'));
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-claude-lost-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report.succeeded + report.deadLettered).toBe(300);
    const ledger = h.simulator.ledger();
    expect(ledger.doubleBilled).toBe(0);
    expect(ledger.batchesCreated).toBe(report.batches);
  });
});
