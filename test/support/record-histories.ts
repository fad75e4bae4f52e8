// Records the workflow histories that the replay test replays: a small run whose parent
// continues as new, through a real dev server, simulator and worker. No production history exists
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
import { fastSpec, startHarness } from './harness';
import { runHistories } from './histories';

const OUT = join(__dirname, '..', 'fixtures', 'histories');

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-record-'));
  const server = await startDevServer({ port: 0, headless: true, dbFile: join(dir, 'temporal.db') });
  process.env.TEMPORAL_ADDRESS = server.address;
  const h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 } } });
  try {
    writeTickets(join(h.dir, 'tickets.jsonl'), 50, { duplicateEvery: 10, invalidJsonLines: [3] });
    const spec = loadSpec(h.writeSpec(fastSpec({ chunkSize: 10, limits: { concurrentBatches: 2 } })));
    const runId = 'replay-fixture';
    await (await startRun(h.client, spec, { taskQueue: h.taskQueue, runId, continueAsNewEvery: 2 })).result();
    const executions = await runHistories(h.client, runId);
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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
