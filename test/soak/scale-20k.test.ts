// 20,000 items in chunks of 500: the run completes and no workflow history grows with the data.
// The parent continues as new every 10 chunks here, so that path runs too.
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { runHistories } from '../support/histories';

describe('a 20,000-item run', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 200 } } });
  });
  afterAll(async () => h?.close());

  it('completes with every history under 2,000 events', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 20_000);
    const spec = loadSpec(h.writeSpec(fastSpec({ chunkSize: 500, limits: { concurrentBatches: 8 } })));
    const runId = `it-20k-${Date.now()}`;
    const started = Date.now();
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId, continueAsNewEvery: 10 });
    const report = await handle.result();
    const seconds = (Date.now() - started) / 1000;

    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ items: 20_000, succeeded: 20_000, deadLettered: 0, rejected: 0, batches: 40 });
    expect(h.simulator.ledger()).toMatchObject({ batchesCreated: 40, requestsBilled: 20_000, doubleBilled: 0 });

    const histories = await runHistories(h.client, runId);
    const parents = histories.filter((x) => x.workflowId === runId);
    const largest = histories.reduce((a, b) => (b.events > a.events ? b : a));
    console.log(
      `20k run: ${seconds.toFixed(1)} s, ${histories.length} executions (${parents.length} parent runs), ` +
        `largest history ${largest.events} events (${largest.workflowId}), parent runs ${parents.map((p) => p.events).join('/')} events`,
    );
    expect(parents.length).toBe(4); // 40 chunks, continue-as-new every 10
    expect(histories.length).toBe(4 + 40);
    expect(largest.events).toBeLessThan(2000);
  });
});
