// Routing and the hybrid lane against the simulator: long tickets go to gpt-4.1 and the rest to
// gpt-4.1-nano, each model in batches of its own (the simulator refuses a file that mixes models);
// in hybrid mode the high-priority tickets are answered through the sync lane before the first
// batch completes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';

/** Every third ticket is long (about 300 tokens); every fifth is high priority. */
function writePrioritizedTickets(path: string, count: number) {
  const lines = Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const body =
      n % 3 === 0 ? `My order ${n} is late. ${'The parcel has not arrived yet. '.repeat(40)}` : `Order ${n} is late.`;
    return JSON.stringify({ id: `t${n}`, subject: `Order ${n}`, body, priority: n % 5 === 0 ? 'high' : 'normal' });
  });
  writeFileSync(path, lines.join('\n') + '\n');
}

describe('routing and hybrid', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 300 } } });
  });
  afterAll(async () => h?.close());

  it('sends long tickets to gpt-4.1 and the rest to gpt-4.1-nano, in batches of one model each', async () => {
    writePrioritizedTickets(join(h.dir, 'tickets.jsonl'), 60);
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          model: 'gpt-4.1-nano',
          chunkSize: 15,
          routing: { rules: [{ when: { inputTokensOver: 150 }, model: 'gpt-4.1' }] },
        }),
      ),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-routing-${Date.now()}` })
    ).result();
    expect(report).toMatchObject({ items: 60, succeeded: 60, deadLettered: 0 });
    const results = readJsonl(report.files.results);
    for (const r of results) {
      const n = Number(String(r.id).slice(1));
      expect(r.model).toBe(n % 3 === 0 ? 'gpt-4.1' : 'gpt-4.1-nano');
    }
    // 20 long tickets: two batches of gpt-4.1; 40 others: three of nano (chunks of 15).
    const ledger = h.simulator.ledger();
    expect(ledger).toMatchObject({ batchesCreated: 5, requestsBilled: 60, doubleBilled: 0 });
    expect(ledger.byModel['gpt-4.1']?.requestsBilled).toBe(20);
    expect(ledger.byModel['gpt-4.1-nano']?.requestsBilled).toBe(40);
    expect(report.byModel['gpt-4.1']).toMatchObject({ answers: 20 });
    expect(report.byModel['gpt-4.1-nano']).toMatchObject({ answers: 40 });
    // The report's cost is the ledger's, each model at its own price.
    expect(report.costUsd.actual).toBeCloseTo(ledger.costUsd, 6);
    const spend = await h.store!.sql.query<{ model: string; n: number }>(
      'select model, count(*)::int as n from spend where run_id = $1 group by model order by model',
      [report.runId],
    );
    expect(spend.rows).toEqual([
      { model: 'gpt-4.1', n: 2 },
      { model: 'gpt-4.1-nano', n: 3 },
    ]);
  }, 60_000);

  it('answers high-priority tickets through the sync lane before the first batch completes', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: { validatingMs: 20, completionMs: 3000 }, sync: { latencyMs: 5 } });
    writePrioritizedTickets(join(h.dir, 'hybrid.jsonl'), 60);
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          input: 'hybrid.jsonl',
          output: { dir: 'out-hybrid' },
          chunkSize: 10,
          mode: 'hybrid',
          hybrid: { syncWhen: { field: 'priority', equals: 'high' } },
          limits: { concurrentBatches: 2 },
        }),
        'hybrid.yaml',
      ),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-hybrid-${Date.now()}` })
    ).result();
    expect(report).toMatchObject({ items: 60, succeeded: 60, deadLettered: 0 });
    for (const r of readJsonl(report.files.results)) {
      const n = Number(String(r.id).slice(1));
      expect(r).toMatchObject(n % 5 === 0 ? { mode: 'sync', strike: 1 } : { mode: 'batch', strike: 1 });
    }
    expect(report.byMode).toMatchObject({ sync: { answers: 12 }, batch: { answers: 48 } });
    const ledger = h.simulator.ledger();
    expect(ledger).toMatchObject({ requestsBilled: 60, doubleBilled: 0 });
    expect(ledger.byMode.sync.requestsBilled).toBe(12);
    const batchIds = await h.store!.sql.query<{ id: string }>(
      'select provider_batch_id as id from batches where run_id = $1',
      [report.runId],
    );
    const firstBatchEnd = Math.min(...batchIds.rows.map((b) => h.simulator.batchTimeline(b.id)!.endedAtMs));
    console.log(
      `hybrid: 12 high-priority answers by ${new Date(ledger.syncTraffic.lastAt).toISOString()}, first of ${batchIds.rows.length} batches ended ${new Date(firstBatchEnd).toISOString()}`,
    );
    expect(ledger.syncTraffic.requests).toBe(12);
    expect(ledger.syncTraffic.lastAt).toBeLessThan(firstBatchEnd);
  }, 60_000);
});
