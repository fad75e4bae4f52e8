// Every run ends, and ends accounted for (DESIGN.md rule 6): chunks refused by the provider are
// dead-lettered as chunk_failed while the run goes on; a window full of failing chunks does not
// hang; a run-wide fatal error still writes every file; every line rejected is a failed run; files
// that do not hold the planned lines fail the run loudly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { rootMessage, type RunReport } from '../../common';
import { progressQuery } from '../../workflows';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl, type DeadLetterLine } from '../support/run-files';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function failureOf(promise: Promise<unknown>): Promise<WorkflowFailedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return error as WorkflowFailedError;
}

describe('every run ends accounted for', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 } } });
  });
  afterAll(async () => h?.close());

  /** Writes `lines` tickets and a spec named after the case, and starts the run. */
  const start = async (
    name: string,
    lines: number,
    overrides: Record<string, unknown> = {},
    dataset: Parameters<typeof writeTickets>[2] = {},
  ) => {
    writeTickets(join(h.dir, `${name}.jsonl`), lines, dataset);
    const spec = loadSpec(
      h.writeSpec(fastSpec({ input: `${name}.jsonl`, output: { dir: `out-${name}` }, ...overrides }), `${name}.yaml`),
    );
    const runId = `it-${name}-${Date.now()}`;
    return { spec, runId, handle: await startRun(h.client, spec, { taskQueue: h.taskQueue, runId }) };
  };

  it('dead-letters the items of chunks the provider refuses (rejectRate 0.3) and finishes with every file', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ seed: 3, batch: { validatingMs: 20, completionMs: 100, rejectRate: 0.3 } });
    const { spec, handle } = await start('reject', 1000, { chunkSize: 50, limits: { concurrentBatches: 5 } });
    const report = await handle.result();

    expect(report.status).toBe('completed');
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    const deadLetters = readJsonl(report.files.deadLetter) as unknown as (DeadLetterLine & { kind: string })[];
    const chunkFailed = deadLetters.filter((d) => d.kind === 'chunk_failed');
    expect(chunkFailed.length).toBeGreaterThan(0);
    expect(chunkFailed.length).toBe(deadLetters.length);
    expect(chunkFailed[0].reason).toMatch(/^chunk_failed: .*simulated rejection/);
    expect(report.succeeded + report.deadLettered).toBe(1000);
    expect(report.succeeded).toBeGreaterThan(0);
    expect(h.simulator.ledger().doubleBilled).toBe(0);
  });

  it('does not hang when every chunk in the window fails at once', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: { validatingMs: 20, completionMs: 100, rejectRate: 1 } });
    const { spec, handle } = await start('all-refused', 200, { chunkSize: 50, limits: { concurrentBatches: 4 } });
    const report = await handle.result();
    expect(report).toMatchObject({ status: 'completed', items: 200, succeeded: 0, deadLettered: 200 });
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(h.simulator.ledger().batchesCreated).toBe(0);
  });

  it('ends a run with no provider configured as failed, with every file written', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: { validatingMs: 20, completionMs: 100 } });
    const { spec, handle } = await start('no-key', 120, {
      provider: 'openai',
      chunkSize: 20,
      limits: { concurrentBatches: 2 },
    });
    const error = await failureOf(handle.result());
    expect(rootMessage(error)).toMatch(
      /provider "openai" needs OPENAI_API_KEY in the worker environment; outputs for what was done are in/,
    );
    const report = JSON.parse(readFileSync(join(spec.outputDir, 'report.json'), 'utf8')) as RunReport;
    expect(report).toMatchObject({ status: 'failed', items: 120, succeeded: 0, deadLettered: 120 });
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    const kinds = new Set((readJsonl(report.files.deadLetter) as { kind: string }[]).map((d) => d.kind));
    // The chunks in flight failed (chunk_failed); the ones never started were stopped (run_failed).
    expect([...kinds].sort()).toEqual(['chunk_failed', 'run_failed']);
  });

  it('fails a run whose every line is rejected, and says so', async () => {
    const everyLine = Array.from({ length: 30 }, (_, i) => i + 1);
    // Broken JSON on every line: a template field no line holds is refused before the run starts.
    const { spec, handle } = await start('no-body', 30, {}, { invalidJsonLines: everyLine });
    const error = await failureOf(handle.result());
    expect(rootMessage(error)).toMatch(/every one of the 30 input lines was rejected; nothing was sent/);
    const rejected = readJsonl(join(spec.outputDir, 'rejected.jsonl'));
    expect(rejected).toHaveLength(30);
    expect(rejected[0]).toMatchObject({ line: 1, error: expect.stringMatching(/^invalid JSON: /) });
  });

  it('fails loudly, with the numbers, when the files do not hold the planned lines', async () => {
    h.simulator.setProfile({ batch: { validatingMs: 200, completionMs: 1500 } });
    const { spec, handle, runId } = await start('gap', 300);
    // Lines vanish from the store after planning, as they did with two processes on one store.
    for (;;) {
      const progress = await handle.query(progressQuery).catch(() => undefined);
      if (progress?.phase === 'running') break;
      await pause(50);
    }
    await h.store!.sql.query('delete from items where run_id = $1 and line > 250', [runId]);
    const error = await failureOf(handle.result());
    expect(rootMessage(error)).toBe(
      `run ${runId} lost lines: the output files hold 250 lines (250 results + 0 dead letters + 0 rejected) ` +
        'but the plan counted 300 input lines: 50 lines are in no file',
    );
    const report = JSON.parse(readFileSync(join(spec.outputDir, 'report.json'), 'utf8')) as RunReport;
    expect(report.status).toBe('failed');
  });
});
