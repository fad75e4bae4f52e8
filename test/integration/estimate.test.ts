// `llmbatch estimate` against what runs really bill: without a sample the bill falls inside the
// printed range; with `--sample 100` the likely figure is within 10% of the bill, on the demo's
// tickets and on a 10,000-item run. Estimates submit nothing (the ledger shows no batch).
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import type { EstimateReport, ResolvedSpec } from '../../common';
import { estimateWorkflow } from '../../workflows';
import { cli } from '../support/cli';
import { LABEL_SCHEMA, writeSupportTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';

const DEMO = join(__dirname, '..', '..', 'examples', 'demo');

describe('estimates against the bill', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      profile: { seed: 9, batch: { validatingMs: 20, completionMs: 100 }, sync: { latencyMs: 2 } },
    });
    copyFileSync(join(DEMO, 'tickets.jsonl'), join(h.dir, 'demo.jsonl'));
    copyFileSync(join(DEMO, 'label.schema.json'), join(h.dir, 'demo.schema.json'));
    await writeSupportTickets(join(h.dir, 'tickets.jsonl'), 10_000, 500);
    writeFileSync(join(h.dir, 'label.schema.json'), JSON.stringify(LABEL_SCHEMA));
  });
  afterAll(async () => h?.close());

  let sequence = 0;
  const estimate = (spec: ResolvedSpec, sample?: number) =>
    h.client.workflow.execute(estimateWorkflow, {
      workflowId: `it-estimate-${Date.now()}-${++sequence}`,
      taskQueue: h.taskQueue,
      args: [{ spec, sample }],
    });

  /** Estimates without and with a sample, then the run (cache off, so the sample's answers are not reused). */
  async function compare(name: string, spec: ResolvedSpec) {
    const batchesBefore = h.simulator.ledger().batchesCreated;
    const plain: EstimateReport = await estimate(spec);
    const sampled: EstimateReport = await estimate(spec, 100);
    expect(h.simulator.ledger().batchesCreated).toBe(batchesBefore);
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-est-${name}-${Date.now()}` })
    ).result();
    const billed = report.costUsd.actual;
    const error = Math.abs(sampled.costUsd.batch.likely - billed) / billed;
    console.log(
      `${name}: billed $${billed.toFixed(4)}; estimate without a sample $${plain.costUsd.batch.likely.toFixed(4)} ` +
        `(range $${plain.costUsd.batch.min.toFixed(4)} to $${plain.costUsd.batch.max.toFixed(4)}), ` +
        `with a sample of 100 $${sampled.costUsd.batch.likely.toFixed(4)} (${(error * 100).toFixed(1)}% off)`,
    );
    expect(plain.sampled).toBe(0);
    expect(sampled.sampled).toBe(100);
    expect(plain.costUsd.batch.min).toBeLessThanOrEqual(billed);
    expect(plain.costUsd.batch.max).toBeGreaterThanOrEqual(billed);
    expect(error).toBeLessThanOrEqual(0.1);
    expect(sampled.requests).toBe(report.succeeded - report.duplicates);
    return report;
  }

  it('on the demo tickets', async () => {
    /** The demo's spec on the demo's tickets, with the cache as asked. */
    const demoSpec = (cache: boolean) =>
      fastSpec({
        name: 'demo-estimate',
        input: 'demo.jsonl',
        id: 'ticket_id',
        template: {
          system: 'You classify customer support tickets for an online store. Answer with JSON only.',
          user: 'From: {{customer}}\nSubject: {{subject}}\n\n{{body}}',
        },
        output: { dir: 'out-demo', schema: 'demo.schema.json' },
        maxTokens: 200,
        cache: { enabled: cache },
      });
    const spec = loadSpec(h.writeSpec(demoSpec(false), 'demo.yaml'));
    await compare('demo', spec);

    // The same spec with the cache on: every answer is now in the store, nothing would be sent.
    const cachedPath = h.writeSpec(demoSpec(true), 'demo-cached.yaml');
    const viaCli = await cli(['estimate', cachedPath, '--json', '--task-queue', h.taskQueue]);
    expect(viaCli.stderr).toBe('');
    const json = JSON.parse(viaCli.stdout) as EstimateReport;
    expect(json).toMatchObject({ items: 1200, rejected: 1, duplicates: 52, cacheHits: 1147, requests: 0, sampled: 0 });
    expect(json.costUsd.batch).toEqual({ min: 0, likely: 0, max: 0 });
    expect(Object.keys(json.tokens.output).sort()).toEqual(['likely', 'max', 'min']);
  });

  it("reports what the sample cost when the run reuses the sample's answers", async () => {
    writeFileSync(
      join(h.dir, 'sampled.jsonl'),
      readFileSync(join(h.dir, 'demo.jsonl'), 'utf8').split('\n').slice(0, 40).join('\n') + '\n',
    );
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          name: 'sampled',
          input: 'sampled.jsonl',
          id: 'ticket_id',
          template: { user: 'From: {{customer}}\nSubject: {{subject}}\n\n{{body}}' },
          output: { dir: 'out-sampled', schema: 'demo.schema.json' },
          cache: { enabled: true },
        }),
        'sampled.yaml',
      ),
    );
    const estimated: EstimateReport = await estimate(spec, 10);
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-est-sampled-${Date.now()}` })
    ).result();
    expect(estimated.sample!.costUsd).toBeGreaterThan(0);
    expect(report).toMatchObject({ cacheHits: 10, sampleAnswers: 10 });
    expect(report.costUsd.sample).toBeCloseTo(estimated.sample!.costUsd, 6);
  });

  it('on 10,000 support tickets', async () => {
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          name: 'tickets-estimate',
          output: { dir: 'out-10k', schema: 'label.schema.json' },
          chunkSize: 1000,
          limits: { concurrentBatches: 4 },
          cache: { enabled: false },
        }),
        'tickets.yaml',
      ),
    );
    await compare('10k', spec);
  });
});
