// The chaos run of issue "Three strikes": 5,000 items under every fault the simulator has at
// once. Every line ends in exactly one file, no corrupt answer reaches the results, permanent
// failures stop after one attempt, and nothing is billed twice.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { LABEL_SCHEMA, writeTickets } from '../support/datasets';
import { startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';
import { resultWithin } from '../support/stuck-run';
import { CHAOS_PROFILE, chaosSpec, expectChaosGuarantees } from '../support/chaos';

describe('the chaos run', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: CHAOS_PROFILE });
  });
  afterAll(async () => h?.close());

  it('keeps every guarantee under every fault at once', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 5000);
    writeFileSync(join(h.dir, 'label.schema.json'), JSON.stringify(LABEL_SCHEMA));
    const spec = loadSpec(h.writeSpec(chaosSpec()));
    const started = Date.now();
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-chaos-${Date.now()}` });
    const report = await resultWithin(h.client, handle, 300_000);

    const deadLetters = expectChaosGuarantees(report, spec.inputPath);
    const ledger = h.simulator.ledger();
    const permanentFirstTry = deadLetters.filter((d) => d.attempts.length === 1 && !d.retryable).length;
    const byStrike = readJsonl(report.files.results).reduce<Record<string, number>>((acc, r) => {
      acc[`strike${String(r.strike)}`] = (acc[`strike${String(r.strike)}`] ?? 0) + 1;
      return acc;
    }, {});
    console.log(
      `chaos: ${((Date.now() - started) / 1000).toFixed(1)} s; results ${report.succeeded} ${JSON.stringify(byStrike)}, ` +
        `dead letters ${report.deadLettered} (${permanentFirstTry} permanent at first try), batches ${report.batches}; ` +
        `ledger ${JSON.stringify({ ...ledger, byModel: undefined, byMode: undefined, byProvider: undefined })}; ` +
        `report actual $${report.costUsd.actual.toFixed(6)} (${((report.costUsd.actual / ledger.costUsd - 1) * 100).toFixed(3)}% off the ledger, ` +
        `${((report.costUsd.actual / (ledger.costUsd - ledger.lostResponses.costUsd) - 1) * 100).toFixed(3)}% off it without ` +
        `the ${ledger.lostResponses.requestsBilled} lost responses)`,
    );
    expect(ledger.doubleBilled).toBe(0);
    expect(report.succeeded + report.deadLettered).toBe(5000);
    // Roughly 1% of items fail permanently per attempt; nearly all of the rest are saved by strikes 2 and 3.
    expect(permanentFirstTry).toBeGreaterThan(10);
    expect(report.deadLettered).toBeLessThan(250);
    expect(byStrike.strike2).toBeGreaterThan(0);
    expect(byStrike.strike3).toBeGreaterThan(0);
    // Two batches per chunk at most (strikes 1 and 2), whatever was lost or retried, but for the batches
    // that failed as a whole: each is submitted again for the same strike (retry.failedBatchResubmits).
    const failedWhole = ledger.batchesFailed;
    expect(failedWhole).toBeGreaterThan(0);
    expect(report.batches - failedWhole).toBeLessThanOrEqual(100);
    expect(ledger.batchesCreated).toBe(report.batches);
    // Every cent: what the report knows it spent (answers kept and answers that failed the checks),
    // plus what it could not confirm, covers what the provider billed.
    expect(report.costUsd.failedAnswers).toBeGreaterThan(0);
    expect(report.costUsd.actual + report.costUsd.unconfirmed).toBeGreaterThanOrEqual(ledger.costUsd - 2e-6);
    // What the report says was billed is the provider's bill: within 0.5%. The only gap is answers
    // billed whose reply was lost (a 500 after the work was done): no client sees their usage, so
    // they are the unconfirmed line. Batches that fail whole are submitted again for their strike,
    // which keeps strike 3 (the sync calls, where replies get lost) small.
    expect(Math.abs(report.costUsd.actual - ledger.costUsd) / ledger.costUsd).toBeLessThanOrEqual(0.005);
    const seen = ledger.costUsd - ledger.lostResponses.costUsd;
    expect(Math.abs(report.costUsd.actual - seen) / ledger.costUsd).toBeLessThanOrEqual(0.001);
  });
});
