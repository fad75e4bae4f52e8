// A cancelled run's end carries its report even when no worker is left to answer the report query:
// Temporal's cancel holds no details, so the client reads the report.json the run wrote.
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { waitForEnd } from '../../client/wait-for-run';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { until } from '../support/until';

describe('a cancelled run', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 200, completionMs: 5000 } } });
    writeTickets(join(h.dir, 'tickets.jsonl'), 40);
  });
  afterAll(async () => h?.close());

  it('ends with its report when no worker is up any more', async () => {
    const spec = loadSpec(h.writeSpec(fastSpec({ chunkSize: 20 })));
    const runId = `it-cancelled-report-${Date.now()}`;
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId });
    await until('a batch in flight', () => h.simulator.ledger().batchesCreated > 0);
    await handle.cancel();
    await handle.result().catch(() => undefined);
    await h.stopWorker();
    const end = await waitForEnd(handle, { show: false });
    expect(end.status).toBe('cancelled');
    expect(end.report).toMatchObject({ runId, status: 'cancelled', items: 40 });
  });
});
