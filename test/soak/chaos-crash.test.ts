// The chaos run again, with the worker SIGKILLed at three random moments and the Temporal dev
// server restarted once (it persists to its db file): the same guarantees, and no chunk creates
// more batches than its strikes need.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { IDEMPOTENCY_METADATA_KEY } from '../../common';
import { LABEL_SCHEMA, writeTickets } from '../support/datasets';
import { startHarness, type Harness } from '../support/harness';
import { restartableServer } from '../support/restartable-server';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';
import { resultWithin } from '../support/stuck-run';
import { CHAOS_PROFILE, chaosSpec, expectChaosGuarantees } from '../support/chaos';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the chaos run with crashes', () => {
  const server = restartableServer();
  let h: Harness;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await server.start();
    h = await startHarness({ inProcessWorker: false, profile: CHAOS_PROFILE, address: server.address });
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await h?.close();
    await server.stop();
  });

  it('keeps every guarantee through three worker kills and a server restart', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 5000);
    writeFileSync(join(h.dir, 'label.schema.json'), JSON.stringify(LABEL_SCHEMA));
    const spec = loadSpec(h.writeSpec(chaosSpec()));
    const env = {
      taskQueue: h.taskQueue,
      storeDir: h.storeDir,
      simulatorUrl: h.simulator.url,
      address: server.address,
    };
    const runId = `it-chaos-crash-${Date.now()}`;
    workers.push(spawnWorker(env));
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId });

    const moments = [4000, 9000, 15000].map((ms) => ms + Math.floor(Math.random() * 3000));
    const events: string[] = [];
    for (const [i, at] of moments.entries()) {
      await pause(at - (i ? moments[i - 1] : 0));
      await workers[workers.length - 1].kill('SIGKILL');
      events.push(`worker killed at ~${at} ms`);
      if (i === 1) {
        await server.stop();
        await pause(500);
        await server.start();
        events.push('dev server restarted');
      }
      workers.push(spawnWorker(env));
    }

    let report;
    const deadline = Date.now() + 360_000;
    for (;;) {
      try {
        report = await resultWithin(h.client, handle, Math.max(1000, deadline - Date.now()));
        break;
      } catch (error) {
        // A long poll cut by the restart: ask again; a real run failure or a run that does not end in
        // time (with what it waits on) fails the test.
        if (/WorkflowFailed|did not end within/.test(String(error))) throw error;
        await pause(500);
      }
    }
    console.log(
      `chaos with crashes: ${events.join(', ')}; report ${JSON.stringify({ ...report, files: undefined, batchTimeline: undefined, deadLetterReasons: undefined })}`,
    );
    expectChaosGuarantees(report, spec.inputPath);
    expect(report.succeeded + report.deadLettered).toBe(5000);
    expect(h.simulator.ledger().doubleBilled).toBe(0);

    // Every provider batch of the run has its own (run, chunk, strike[, attempt]) key: none was created
    // twice. A batch that failed whole was submitted again for its strike under the next attempt's key.
    const openai = new OpenAI({ apiKey: 'sim', baseURL: `${h.simulator.url}/v1`, maxRetries: 5 });
    const keys: string[] = [];
    for await (const batch of openai.batches.list({ limit: 100 })) {
      const key = batch.metadata?.[IDEMPOTENCY_METADATA_KEY];
      if (key?.startsWith(runId)) keys.push(key);
    }
    expect(keys.length).toBe(report.batches);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.every((k) => /\/(1|2)(\/[23])?$/.test(k))).toBe(true);
  });
});
