// The cost issue's reference workload: 10,000 support tickets (500-token prompts, 25% duplicates,
// 5% transient item failures) through the batch lane. What the simulator billed is compared with
// the naive way (every line its own sync call) and with the report, and an identical second run
// is answered from the cache: billed nothing, the same results.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { costUsd, type RunReport } from '../../common';
import { LABEL_SCHEMA, writeSupportTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';

const ITEMS = 10_000;

describe('the reference workload: 10,000 support tickets', () => {
  let h: Harness;
  let first: RunReport;
  /** The first run's results, read before the second run writes the same files. */
  let firstLines: Record<string, unknown>[];
  let spec: ReturnType<typeof loadSpec>;
  beforeAll(async () => {
    h = await startHarness({
      profile: { seed: 5, batch: { validatingMs: 20, completionMs: 100 }, items: { retryableErrorRate: 0.05 } },
    });
    await writeSupportTickets(join(h.dir, 'tickets.jsonl'), ITEMS, 500);
    writeFileSync(join(h.dir, 'label.schema.json'), JSON.stringify(LABEL_SCHEMA));
    spec = loadSpec(
      h.writeSpec(
        fastSpec({
          output: { dir: 'out', schema: 'label.schema.json' },
          chunkSize: 1000,
          limits: { concurrentBatches: 4 },
          retry: { strike2Delay: '20ms', strike3Delay: '20ms', syncBackoff: '10ms' },
          cache: { enabled: true, maxAge: '30d' },
        }),
      ),
    );
  });
  afterAll(async () => h?.close());

  it('bills at most 0.375x the naive sync cost, and the report says what the provider billed', async () => {
    const started = Date.now();
    first = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-ref-1-${Date.now()}` })
    ).result();
    const ledger = h.simulator.ledger();
    expect(verifyRunFiles(first, spec.inputPath, 'id').problems).toEqual([]);
    expect(first).toMatchObject({ items: ITEMS, succeeded: ITEMS, duplicates: ITEMS / 4, cacheHits: 0 });
    expect(ledger.doubleBilled).toBe(0);

    // The naive way, priced from the answers themselves: every line a sync call of the spec's model.
    const results = readJsonl(first.files.results);
    firstLines = results;
    const usageOf = new Map(results.filter((r) => !r.duplicateOf).map((r) => [r.id, r.usage]));
    let naive = 0;
    for (const r of results) {
      const usage = usageOf.get(r.duplicateOf ?? r.id) as {
        inputTokens: number;
        outputTokens: number;
      };
      naive += costUsd('gpt-4.1-mini', 'sync', usage.inputTokens, usage.outputTokens);
    }
    const ratio = ledger.costUsd / naive;
    console.log(
      `reference workload: ${((Date.now() - started) / 1000).toFixed(1)} s; billed $${ledger.costUsd.toFixed(4)} ` +
        `(report $${first.costUsd.actual.toFixed(4)}) against naive sync $${naive.toFixed(4)}: ${ratio.toFixed(4)}x; ` +
        `savings ${JSON.stringify(first.costUsd.savings)}; by mode ${JSON.stringify(ledger.byMode)}`,
    );
    expect(first.costUsd.naiveSync).toBeCloseTo(naive, 4);
    // Batch discount (0.5) times the unique share (0.75): 0.375 for everything the batch lane
    // answered. The ~0.25% of items that fail both batch strikes go to strike 3 at sync prices,
    // which costs a little over that floor: the sync lane's share is bounded by its items.
    const syncItems = results.filter((r) => r.mode === 'sync' && !r.duplicateOf).length;
    expect(ledger.byMode.batch.costUsd / naive).toBeLessThanOrEqual(0.375);
    expect(syncItems).toBeLessThanOrEqual(ITEMS * 0.0075);
    expect(ratio).toBeLessThanOrEqual(0.375 + (syncItems / ITEMS) * 0.5 + 1e-4);
    expect(Math.abs(first.costUsd.actual - ledger.costUsd) / ledger.costUsd).toBeLessThanOrEqual(0.005);
    expect(first.costUsd.savings.dedup).toBeGreaterThan(0);
    expect(first.costUsd.savings.batch).toBeGreaterThan(0);
    // The provider's own batch usage (the Batch object's `usage`), priced the same way, confirms the bill.
    expect(first.costUsd.confirmed).toBeDefined();
    expect(Math.abs(first.costUsd.confirmed! - first.costUsd.actual) / first.costUsd.actual).toBeLessThanOrEqual(0.005);
    expect(first.costUsd.confirmedMismatch).toBe(false);
    expect(first.byProvider.simulator.confirmedUsd).toBeCloseTo(first.byProvider.simulator.costUsd, 4);
  });

  it('answers an identical second run from the cache: $0 billed, the same results', async () => {
    const before = h.simulator.ledger();
    const second = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-ref-2-${Date.now()}` })
    ).result();
    const after = h.simulator.ledger();
    expect(after.costUsd).toBe(before.costUsd);
    expect(after.batchesCreated).toBe(before.batchesCreated);
    expect(after.requestsBilled).toBe(before.requestsBilled);
    expect(second).toMatchObject({ succeeded: ITEMS, cacheHits: (ITEMS * 3) / 4, batches: 0 });
    expect(second.costUsd.actual).toBe(0);
    // The cache saved what the first run paid (priced at batch rates: the few strike-3 sync calls cost more).
    expect(Math.abs(second.costUsd.savings.cache - first.costUsd.actual) / first.costUsd.actual).toBeLessThan(0.005);

    // Line for line the same answers; only `cached` (and the cost of a cached line, 0) differ.
    const withoutCache = (lines: Record<string, unknown>[]) =>
      lines.map(({ cached: _cached, costUsd: _cost, ...rest }) => rest);
    const secondLines = readJsonl(second.files.results);
    expect(withoutCache(secondLines)).toEqual(withoutCache(firstLines));
    expect(secondLines.every((r) => r.cached === true)).toBe(true);
    expect(firstLines.every((r) => r.cached === false)).toBe(true);
  });
});
