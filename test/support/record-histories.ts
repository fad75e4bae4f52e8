// Records the workflow histories that the replay test replays, through a real dev server of its
// own, the simulator and a worker: a small run whose parent continues as new; a budgeted run that
// turns yellow (downgrade), then red (paused:budget) until its cap is raised; an estimate with
// a sample run; a batch stopped at its deadline; and a run cancelled while its batches run. No production history exists
// yet, so workflow code changes freely: re-record after every workflow change
// (`rm test/fixtures/histories/*.json && npx tsx test/support/record-histories.ts`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { startDevServer } from '../../dev/dev-server';
import { findTemporalCli } from '../../dev/temporal-cli';
import { writeTickets } from './datasets';
import { fastSpec, startHarness, type Harness } from './harness';
import { until } from './until';
import type { RunProgress } from '../../common';
import { batchRunWorkflow, estimateWorkflow, progressQuery } from '../../workflows';
import { budgetSignal, pauseSignal, resumeSignal } from '../../workflows/signals';

const OUT = join(__dirname, '..', 'fixtures', 'histories');

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-record-'));
  const server = await startDevServer({ port: 0, headless: true, dbFile: join(dir, 'temporal.db') });
  process.env.TEMPORAL_ADDRESS = server.address;
  // Some batches fail as a whole, so the fixtures hold a resubmission for the same strike too.
  const h = await startHarness({ profile: { seed: 3, batch: { validatingMs: 20, completionMs: 100, failRate: 0.2 } } });
  try {
    writeTickets(join(h.dir, 'tickets.jsonl'), 50, { duplicateEvery: 10, invalidJsonLines: [3] });
    const spec = loadSpec(h.writeSpec(fastSpec({ chunkSize: 10, limits: { concurrentBatches: 2 } })));
    await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: 'replay-fixture', continueAsNewEvery: 2 })
    ).result();

    // Yellow, then red: a cap that fits about half of the run, raised once the run waits for it.
    writeTickets(join(h.dir, 'budget.jsonl'), 60);
    const budgeted = loadSpec(
      h.writeSpec(
        fastSpec({
          name: 'budget',
          input: 'budget.jsonl',
          output: { dir: 'out-budget' },
          chunkSize: 10,
          limits: { concurrentBatches: 2 },
          cache: { enabled: false },
          budget: { maxUsd: 1, yellowAt: 0.3 },
          routing: { downgradeTo: 'gpt-4.1-nano' },
        }),
        'budget.yaml',
      ),
    );
    // Paused from the start, so the cap is lowered after planning and before any submission.
    const handle = await h.client.workflow.signalWithStart(batchRunWorkflow, {
      workflowId: 'replay-budget',
      taskQueue: h.taskQueue,
      args: [{ spec: budgeted }],
      signal: pauseSignal,
      signalArgs: [{ reason: 'fixture' }],
    });
    const shows = (what: string, check: (p: RunProgress) => boolean) =>
      until(`the budgeted run to show ${what}`, async () => check(await handle.query(progressQuery)), 60_000);
    await shows('its plan', (p) => p.chunks.total > 0);
    await handle.signal(budgetSignal, { maxUsd: 0.0002 });
    await handle.signal(resumeSignal);
    await shows('paused:budget', (p) => p.phase === 'paused:budget');
    await handle.signal(budgetSignal, { maxUsd: 1 });
    await handle.result();

    await h.client.workflow.execute(estimateWorkflow, {
      workflowId: 'replay-estimate',
      taskQueue: h.taskQueue,
      args: [{ spec: { ...spec, cache: { enabled: false, maxAgeMs: 0 } }, sample: 5, compare: true }],
    });

    await recordStops(h);

    // This server ran nothing else: every execution it has is a fixture.
    const executions: { workflowId: string; runId: string }[] = [];
    for await (const execution of h.client.workflow.list()) executions.push(execution);
    // Workflows read their own id (the run id is the workflow id): replay needs each file's.
    const ids: Record<string, string> = {};
    for (const execution of executions) {
      // The CLI writes the canonical JSON history format that historyFromJSON reads back.
      const json = execFileSync(
        findTemporalCli()!,
        [
          'workflow',
          'show',
          '--address',
          server.address,
          '-w',
          execution.workflowId,
          '-r',
          execution.runId,
          '--output',
          'json',
        ],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      const name = `${execution.workflowId.replace(/[^a-zA-Z0-9-]/g, '_')}-${execution.runId}.json`;
      writeFileSync(join(OUT, name), json);
      ids[name] = execution.workflowId;
    }
    writeFileSync(join(OUT, 'workflow-ids.json'), JSON.stringify(ids, null, 2) + '\n');
    console.log(`recorded ${executions.length} histories into ${OUT}`);
  } finally {
    await h.close();
    await server.stop();
  }
}

/**
 * The chunk's ways of stopping a batch: past its deadline (stopped, its answers kept, the rest to
 * strike 2, then to strike 3's sync calls), and a run cancelled while its batches run (each
 * batch cancelled, what it answered collected, the rest dead-lettered).
 */
async function recordStops(h: Harness) {
  h.simulator.setProfile({ seed: 3, batch: { validatingMs: 20, completionMs: 60_000 } });
  writeTickets(join(h.dir, 'late.jsonl'), 10);
  const late = loadSpec(
    h.writeSpec(
      fastSpec({
        name: 'late',
        input: 'late.jsonl',
        output: { dir: 'out-late' },
        chunkSize: 10,
        poll: { initial: '50ms', max: '200ms', deadline: '2s' },
        retry: { strike2Delay: '50ms', strike3Delay: '50ms' },
      }),
      'late.yaml',
    ),
  );
  await (await startRun(h.client, late, { taskQueue: h.taskQueue, runId: 'replay-deadline' })).result();

  writeTickets(join(h.dir, 'cancel.jsonl'), 20);
  const cancelSpec = loadSpec(
    h.writeSpec(
      fastSpec({ name: 'cancel', input: 'cancel.jsonl', output: { dir: 'out-cancel' }, chunkSize: 10 }),
      'cancel.yaml',
    ),
  );
  const before = h.simulator.ledger().batchesCreated;
  const cancelled = await startRun(h.client, cancelSpec, { taskQueue: h.taskQueue, runId: 'replay-cancel' });
  await until(
    'the run to cancel to submit its batches',
    () => h.simulator.ledger().batchesCreated >= before + 2,
    60_000,
  );
  await cancelled.cancel();
  await cancelled.result().catch(() => undefined);
  // Every chunk's clean-up ends before the histories are read.
  await until(
    'every execution to end after the cancel',
    async () => {
      for await (const _ of h.client.workflow.list({ query: 'ExecutionStatus = "Running"' })) return false;
      return true;
    },
    60_000,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
