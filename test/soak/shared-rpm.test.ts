// DESIGN.md rule 7: a limit the provider sets is kept by every chunk that spends it together. Four
// chunks reach strike 3 at once (every batch fails) against a simulator that allows 120 requests a
// minute, with the spec's syncRpm at 120: one shared pacer, not four, so the provider sees at most
// 120 a minute, nearly all of it used, and next to no 429s. A soak test: it needs more than a
// minute of real traffic, since a per-minute limit shows only over a minute.
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';

describe('shared limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      profile: {
        batch: { validatingMs: 10, completionMs: 20, failRate: 1 },
        sync: { latencyMs: 5, rpm: 120 },
      },
    });
  });
  afterAll(async () => h?.close());

  it('keeps four chunks in strike 3 at once under one 120 rpm', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 144);
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          chunkSize: 36,
          limits: { concurrentBatches: 4, syncConcurrency: 8, syncRpm: 120 },
          retry: { strike2Delay: '10ms', strike3Delay: '10ms', syncBackoff: '10ms', failedBatchResubmits: 0 },
        }),
      ),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-shared-rpm-${Date.now()}` })
    ).result();

    expect(report).toMatchObject({ items: 144, succeeded: 144, deadLettered: 0, batches: 8 });
    expect(readJsonl(report.files.results).every((r) => r.strike === 3 && r.mode === 'sync')).toBe(true);
    const ledger = h.simulator.ledger();
    expect(ledger).toMatchObject({ requestsBilled: 144, doubleBilled: 0 });
    const traffic = ledger.syncTraffic;
    const perMinute = ((traffic.requests - 1) / (traffic.lastAt - traffic.firstAt)) * 60_000;
    console.log(
      `4 chunks in strike 3 under one 120 rpm: ${traffic.requests} requests in ${((traffic.lastAt - traffic.firstAt) / 1000).toFixed(1)} s ` +
        `(${perMinute.toFixed(1)} a minute), busiest minute ${traffic.busiestWindow}, ${ledger.rateLimited} 429s`,
    );
    expect(traffic.busiestWindow).toBeLessThanOrEqual(120);
    expect(perMinute).toBeGreaterThanOrEqual(120 * 0.95);
    expect(ledger.rateLimited).toBeLessThanOrEqual(traffic.requests * 0.01);
  }, 150_000);
});
