// Crash test: SIGKILL the worker mid-run and start a new one. The run completes, every item
// exactly once, one provider batch per chunk, nothing billed twice.
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { progressQuery } from '../../workflows';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

describe('a worker killed mid-run', () => {
  let h: Harness;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    h = await startHarness({ inProcessWorker: false, profile: { batch: { validatingMs: 50, completionMs: 400 } } });
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await h?.close();
  });

  it('completes after SIGKILL with every item exactly once and one batch per chunk', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 3000);
    const spec = loadSpec(h.writeSpec(fastSpec({ chunkSize: 100, limits: { concurrentBatches: 4 } })));
    const env = { taskQueue: h.taskQueue, storeDir: h.storeDir, simulatorUrl: h.simulator.url };
    workers.push(spawnWorker(env));
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-crash-${Date.now()}` });

    // Kill once a few chunks are done and others are in flight.
    for (;;) {
      const progress = await handle.query(progressQuery).catch(() => undefined);
      if (progress && progress.chunks.done >= 5 && progress.chunks.running.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await workers[0].kill('SIGKILL');
    const killedAt = await handle.query(progressQuery).catch(() => undefined);
    workers.push(spawnWorker(env));

    const report = await handle.result();
    expect(killedAt?.chunks.done ?? 5).toBeLessThan(30);
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ items: 3000, succeeded: 3000, deadLettered: 0, batches: 30 });
    const ledger = h.simulator.ledger();
    expect(ledger.batchesCreated).toBe(30);
    expect(ledger.requestsBilled).toBe(3000);
    expect(ledger.doubleBilled).toBe(0);
  });
});
