// Spend the report cannot see must still be shown: a sync-mode run whose worker is SIGKILLed three
// times while calls are in flight. Every line is accounted for, and the report's actual plus
// unconfirmed cost (calls recorded before they were made, whose answers the kills lost) is at least
// what the provider billed.
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a sync-mode run with three worker kills', () => {
  /** Waits for the simulator to bill this many requests; fails (not hangs) when it never does. */
  const billedAtLeast = async (requests: number, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (h.simulator.ledger().requestsBilled < requests) {
      if (Date.now() > deadline)
        throw new Error(`the simulator billed ${h.simulator.ledger().requestsBilled} of ${requests} requests`);
      await pause(50);
    }
  };
  let h: Harness;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    h = await startHarness({ inProcessWorker: false, profile: { sync: { latencyMs: 300 } } });
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await h?.close();
  });

  it('accounts for every line and never reports less than the provider billed', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 1200);
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          mode: 'sync',
          chunkSize: 300,
          limits: { concurrentBatches: 4, syncConcurrency: 16 },
          retry: { strike2Delay: '100ms', strike3Delay: '100ms', syncBackoff: '20ms' },
        }),
      ),
    );
    const env = { taskQueue: h.taskQueue, storeDir: h.storeDir, simulatorUrl: h.simulator.url };
    workers.push(spawnWorker(env));
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-sync-crash-${Date.now()}` });

    let billedAtLastKill = 0;
    for (let kill = 0; kill < 3; kill++) {
      // Kill while calls are flowing: another hundred answers billed since the last kill.
      await billedAtLeast(billedAtLastKill + 100);
      await workers[workers.length - 1].kill('SIGKILL');
      billedAtLastKill = h.simulator.ledger().requestsBilled;
      workers.push(spawnWorker(env));
    }
    const report = await handle.result();
    const ledger = h.simulator.ledger();
    console.log(
      `sync crash: report actual $${report.costUsd.actual} + unconfirmed $${report.costUsd.unconfirmed} ` +
        `(${report.unconfirmedCalls} calls); ledger $${ledger.costUsd} for ${ledger.requestsBilled} requests, ` +
        `doubleBilled ${ledger.doubleBilled}`,
    );
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ status: 'completed', items: 1200, succeeded: 1200 });
    expect(report.unconfirmedCalls).toBeGreaterThan(0);
    expect(report.costUsd.actual + report.costUsd.unconfirmed).toBeGreaterThanOrEqual(ledger.costUsd - 2e-6);
  });

  it('lets a worker stopped with SIGTERM finish its calls in flight: nothing unconfirmed, nothing billed twice', async () => {
    for (const w of workers) await w.kill();
    h.simulator.reset();
    writeTickets(join(h.dir, 'graceful.jsonl'), 600);
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          input: 'graceful.jsonl',
          output: { dir: 'out-graceful' },
          mode: 'sync',
          chunkSize: 150,
          limits: { concurrentBatches: 4, syncConcurrency: 16 },
          retry: { strike2Delay: '100ms', strike3Delay: '100ms', syncBackoff: '20ms' },
        }),
        'graceful.yaml',
      ),
    );
    const env = { taskQueue: h.taskQueue, storeDir: h.storeDir, simulatorUrl: h.simulator.url };
    workers.push(spawnWorker(env));
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-sync-term-${Date.now()}` });
    await billedAtLeast(100);
    const stopping = workers[workers.length - 1];
    await stopping.kill('SIGTERM');
    expect(stopping.child.exitCode).toBe(0);
    workers.push(spawnWorker(env));
    const report = await handle.result();
    const ledger = h.simulator.ledger();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ status: 'completed', items: 600, succeeded: 600 });
    expect(report.costUsd.unconfirmed).toBe(0);
    expect(ledger.doubleBilled).toBe(0);
    expect(ledger.requestsBilled).toBe(600);
  });
});
