// The production store: PostgreSQL via DATABASE_URL (what lets workers on many machines share a
// run). CI starts Debian's PostgreSQL and sets DATABASE_URL; without it this suite says so and skips.
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

const url = process.env.DATABASE_URL;
if (!url) console.warn('DATABASE_URL is not set: the PostgreSQL store tests are skipped (.ci/run sets it)');

(url ? describe : describe.skip)('the PostgreSQL store', () => {
  let h: Harness;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    h = await startHarness({ store: url, profile: { batch: { validatingMs: 20, completionMs: 100 } } });
  });
  afterAll(async () => {
    for (const w of workers) await w.kill('SIGTERM');
    await h?.close();
  });

  it('runs with two more worker processes sharing the store, duplicates and bad lines included', async () => {
    // Two extra worker processes on the same task queue and database: any of the three may run
    // any activity, which only works because the store is shared.
    for (let i = 0; i < 2; i++)
      workers.push(spawnWorker({ taskQueue: h.taskQueue, storeDir: url!, simulatorUrl: h.simulator.url }));
    writeTickets(join(h.dir, 'tickets.jsonl'), 1000, { duplicateEvery: 20, invalidJsonLines: [7] });
    const spec = loadSpec(h.writeSpec(fastSpec({ chunkSize: 100 })));
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-pg-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ items: 1000, rejected: 1, deadLettered: 0, succeeded: 999, duplicates: 50 });
    expect(h.simulator.ledger()).toMatchObject({ requestsBilled: 949, doubleBilled: 0 });
  });
});
