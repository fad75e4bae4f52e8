// DESIGN.md rule 7: a limit the provider sets is kept by every chunk that spends it together. Two
// runs at once share concurrentBatches of one provider and model. (The shared rpm, which takes a
// minute of real traffic to show, is in test/soak/shared-rpm.test.ts.)
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';

describe('shared batch capacity', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 400 } } });
  });
  afterAll(async () => h?.close());

  it('keeps two runs at once within concurrentBatches: 2 of one provider and model', async () => {
    const runs = ['a', 'b'].map((name) => {
      writeTickets(join(h.dir, `${name}.jsonl`), 100, { marker: `run-${name}` });
      return loadSpec(
        h.writeSpec(
          fastSpec({
            name,
            input: `${name}.jsonl`,
            chunkSize: 25,
            output: { dir: `out-${name}` },
            limits: { concurrentBatches: 2 },
          }),
          `${name}.yaml`,
        ),
      );
    });
    const started = Date.now();
    const handles = await Promise.all(
      runs.map((spec) =>
        startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-slots-${spec.name}-${started}` }),
      ),
    );
    const reports = await Promise.all(handles.map((handle) => handle.result()));
    for (const report of reports)
      expect(report).toMatchObject({ items: 100, succeeded: 100, deadLettered: 0, batches: 4 });
    const ledger = h.simulator.ledger();
    console.log(`two runs, 8 batches, concurrentBatches 2: at most ${ledger.batchesInFlightPeak} in flight at once`);
    expect(ledger).toMatchObject({ batchesCreated: 8, requestsBilled: 200, doubleBilled: 0 });
    expect(ledger.batchesInFlightPeak).toBe(2);
    // Every slot was given back: a third run is not kept waiting by the first two.
    expect((await h.store!.sql.query('select count(*)::int as n from batch_slots')).rows[0]).toEqual({ n: 0 });
  }, 120_000);
});
