// Finalize never strands paid work: an output folder replaced by a file once the batches ran
// leaves the run waiting in phase finalize-failed with the reason (status says so), and
// `llmbatch finalize RUN --output NEWDIR` writes every line from the store without billing again.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { progressQuery } from '../../workflows';
import { cli } from '../support/cli';
import {
  expectFinalizeFailedStatus,
  expectNoSecondBilling,
  finalizeAgain,
  untilFinalizeFailed,
} from '../support/finalize-failed';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';
import { until } from '../support/until';

describe('finalize-failed', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 1500 } } });
  });
  afterAll(async () => h?.close());

  it('waits with the reason, then `finalize --output` writes every line once, billed once', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 120);
    const spec = loadSpec(
      h.writeSpec(fastSpec({ chunkSize: 50, output: { dir: 'out-ff' }, retry: { finalizeBackoff: '1h' } })),
    );
    const runId = `it-ff-${Date.now()}`;
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId });
    await until('the batches run', async () => (await handle.query(progressQuery)).phase === 'running');
    // The folder the plan checked becomes a file while the batches run.
    rmSync(spec.outputDir, { recursive: true, force: true });
    writeFileSync(spec.outputDir, 'not a folder');
    await untilFinalizeFailed(handle);
    const billed = h.simulator.ledger();
    expect(billed.batchesCreated).toBeGreaterThan(0);
    await expectFinalizeFailedStatus(
      runId,
      new RegExp(`finalize failed: cannot write the outputs to ${spec.outputDir}: E`),
    );

    // A second place that fails too: one line, exit 1, and the run waits on.
    const blocked = join(h.dir, 'blocked');
    writeFileSync(blocked, '');
    const refused = await cli(['finalize', runId, '--output', join(blocked, 'out')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(`still in phase finalize-failed: cannot write the outputs to ${blocked}/out`);

    const newDir = join(h.dir, 'new-out');
    mkdirSync(newDir);
    const report = await finalizeAgain(runId, newDir);
    expect(report).toMatchObject({ status: 'completed', items: 120, succeeded: 120, outputDir: newDir });
    expect(readJsonl(join(newDir, 'results.jsonl')).map((r) => r.id)).toEqual(
      Array.from({ length: 120 }, (_, i) => `t${i + 1}`),
    );
    expectNoSecondBilling(h.simulator, billed);
  });
});
