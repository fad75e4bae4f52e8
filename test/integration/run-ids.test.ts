// A run id names one run for ever: starting a finished run's id again is refused at once, on the
// same Temporal server and also when the server's database was replaced while the store was kept
// (the store remembers which execution planned the id). And a finished run's search attributes,
// what the Web UI lists, equal its report.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { rootMessage } from '../../common';
import { startDevServer, type DevServer } from '../../dev/dev-server';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';

describe('run ids', () => {
  let h: Harness;
  let fresh: Harness | undefined;
  let server: DevServer | undefined;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 } } });
  });
  afterAll(async () => {
    await fresh?.close();
    await server?.stop();
    await h?.close();
  });

  it('refuses a finished run id again, on this server and on a new server over the same store', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 200, { duplicateEvery: 10 });
    const spec = loadSpec(h.writeSpec(fastSpec()));
    const runId = `it-ids-${Date.now()}`;
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId });
    const report = await handle.result();

    // The Web UI's numbers are the report's: duplicates count as done, rejected lines as failed.
    const { searchAttributes } = await handle.describe();
    expect(searchAttributes).toMatchObject({
      LlmRunId: [runId],
      LlmPhase: ['completed'],
      LlmItemsTotal: [report.items],
      LlmItemsDone: [report.succeeded],
      LlmItemsFailed: [report.deadLettered + report.rejected],
      LlmCostUsd: [report.costUsd.actual],
    });
    expect(report.duplicates).toBeGreaterThan(0);

    await expect(startRun(h.client, spec, { taskQueue: h.taskQueue, runId })).rejects.toThrow(
      `run id "${runId}" is already in use (running or finished); choose another with --id`,
    );

    // A new Temporal server (its database replaced), the same store folder.
    await h.stopWorker();
    const dir = mkdtempSync(join(tmpdir(), 'llmbatch-newdb-'));
    server = await startDevServer({ port: 0, headless: true, dbFile: join(dir, 'temporal.db') });
    fresh = await startHarness({ address: server.address, store: h.storeDir });
    const started = Date.now();
    const again = await startRun(fresh.client, spec, { taskQueue: fresh.taskQueue, runId });
    const error = await again.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(rootMessage(error)).toMatch(
      new RegExp(
        `^run id "${runId}" was already used by an earlier run in this store \\(Temporal run .+\\); start the run under a new id$`,
      ),
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
