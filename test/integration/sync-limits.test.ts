// Strike 3 against a provider that rate limits: every call that gets a 429 waits as long as
// `retry-after` says and tries again, so a chunk whose batches both failed still ends complete.
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';

describe('strike 3 under provider rate limits', () => {
  let h: Harness;
  beforeAll(async () => {
    // Every batch fails (and is not submitted again), so all items reach strike 3; the sync lane takes 10 requests a second.
    h = await startHarness({
      profile: {
        batch: { validatingMs: 10, completionMs: 20, failRate: 1 },
        sync: { latencyMs: 5, rpm: 10, windowMs: 1000 },
      },
    });
  });
  afterAll(async () => h?.close());

  it('honors retry-after and answers every item', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 40);
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          chunkSize: 40,
          limits: { syncConcurrency: 8 },
          retry: { strike2Delay: '10ms', strike3Delay: '10ms', syncBackoff: '10ms', failedBatchResubmits: 0 },
        }),
      ),
    );
    const started = Date.now();
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-limits-${Date.now()}` })
    ).result();
    const seconds = (Date.now() - started) / 1000;

    expect(report).toMatchObject({ items: 40, succeeded: 40, deadLettered: 0, batches: 2 });
    for (const r of readJsonl(report.files.results)) expect(r).toMatchObject({ mode: 'sync', strike: 3 });
    // 40 calls at 10 per second cannot finish in much under 3 s: the 429s were waited out, not retried blindly.
    expect(seconds).toBeGreaterThan(3);
    const ledger = h.simulator.ledger();
    expect(ledger).toMatchObject({ requestsBilled: 40, doubleBilled: 0 });
    // Waiting as told keeps the 429s to about one per lane per window; hammering would make hundreds.
    expect(ledger.rateLimited).toBeGreaterThan(0);
    expect(ledger.rateLimited).toBeLessThan(60);
    console.log(`strike 3 under 10 rpm/s: ${seconds.toFixed(1)} s, ${ledger.rateLimited} answers were 429`);
    expect(report.costUsd.actual).toBeCloseTo(report.costUsd.syncEquivalent, 9);
  });

  it('runs a whole spec in sync mode: no batches, sync prices, strike 1', async () => {
    h.simulator.reset();
    writeTickets(join(h.dir, 'sync.jsonl'), 30);
    const spec = loadSpec(
      h.writeSpec(fastSpec({ input: 'sync.jsonl', mode: 'sync', output: { dir: 'out-sync' } }), 'sync.yaml'),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-sync-${Date.now()}` })
    ).result();
    expect(report).toMatchObject({ items: 30, succeeded: 30, deadLettered: 0, batches: 0 });
    for (const r of readJsonl(report.files.results)) expect(r).toMatchObject({ mode: 'sync', strike: 1 });
    expect(report.costUsd.actual).toBeCloseTo(report.costUsd.syncEquivalent, 9);
    expect(h.simulator.ledger()).toMatchObject({ batchesCreated: 0, requestsBilled: 30, doubleBilled: 0 });
  });
});
