// `llmbatch dlq list` and `dlq replay` as a user runs them (a child process), against the test dev
// server and an in-process worker: a run with retryable and permanent failures, its dead letters
// counted by kind, and the retryable ones replayed (their original records, ids kept) as a new
// run that, with the provider healthy again, answers every one of them.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import type { RunReport } from '../../common';
import { cli } from '../support/cli';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';

const FAST = { validatingMs: 20, completionMs: 100 };

interface DeadLetterFileLine {
  id: string;
  line: number;
  kind: string;
  retryable: boolean;
  record?: Record<string, unknown>;
}

describe('llmbatch dlq', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: FAST } });
  });
  afterAll(async () => h?.close());

  /** A run of `lines` tickets to its end, under the simulator's current profile. */
  const runToEnd = async (name: string, lines: number, overrides: Record<string, unknown> = {}) => {
    writeTickets(join(h.dir, `${name}.jsonl`), lines);
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({ name, input: `${name}.jsonl`, output: { dir: `out-${name}` }, ...overrides }),
        `${name}.yaml`,
      ),
    );
    const runId = `it-${name}-${Date.now()}`;
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId });
    return { spec, runId, report: await handle.result() };
  };

  it('lists dead letters by kind and replays the retryable ones as a new run that answers them all', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ seed: 11, batch: FAST, items: { retryableErrorRate: 0.6, permanentErrorRate: 0.1 } });
    const { spec, runId, report } = await runToEnd('flaky', 200, {
      retry: { strike2Delay: '50ms', strike3Delay: '50ms', syncBackoff: '10ms' },
    });
    expect(report.status).toBe('completed');
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    const deadLetters = readJsonl(report.files.deadLetter) as unknown as DeadLetterFileLine[];
    const retryable = deadLetters.filter((d) => d.retryable);
    expect(retryable.length).toBeGreaterThan(0);
    expect(retryable.length).toBeLessThan(deadLetters.length);

    const listed = await cli(['dlq', 'list', runId, '--json']);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    const summary = JSON.parse(listed.stdout) as {
      total: number;
      retryable: number;
      notRetryable: number;
      byKind: Record<string, number>;
      first: { id: string; line: number; reason: string }[];
    };
    const kinds: Record<string, number> = {};
    for (const d of deadLetters) kinds[d.kind] = (kinds[d.kind] ?? 0) + 1;
    expect(summary).toMatchObject({
      runId,
      file: report.files.deadLetter,
      total: report.deadLettered,
      retryable: retryable.length,
      notRetryable: deadLetters.length - retryable.length,
      byKind: kinds,
    });
    expect(Object.keys(summary.byKind)).toContain('invalid_request');
    expect(summary.first.map((d) => d.id)).toEqual(deadLetters.slice(0, 10).map((d) => d.id));
    expect(summary.first[0]).toMatchObject({ line: deadLetters[0].line, reason: expect.any(String) });

    const text = await cli(['dlq', 'list', runId]);
    expect(text.stdout).toContain(`run ${runId}: ${report.deadLettered} dead letters (${retryable.length} retryable`);
    expect(text.stdout).toContain('invalid_request');

    // The provider is healthy again: the replay answers every retryable dead letter.
    h.simulator.setProfile({ batch: FAST });
    const newRunId = `it-flaky-replay-${Date.now()}`;
    const replayed = await cli(['dlq', 'replay', runId, '--retryable-only', '--id', newRunId, '--wait', '--json']);
    expect(replayed.stderr).toBe('');
    expect(replayed.code).toBe(0);
    const replay = JSON.parse(replayed.stdout) as RunReport;
    expect(replay.runId).toBe(newRunId);
    expect(replay.outputDir).toBe(join(report.outputDir, `replay-${newRunId}`));

    const replayInput = join(report.outputDir, `replay-${newRunId}.jsonl`);
    const records = readJsonl(replayInput);
    expect(records.map((r) => r.id)).toEqual(retryable.map((d) => d.id));
    expect(records).toEqual(retryable.map((d) => d.record));
    expect(replay.succeeded + replay.deadLettered + replay.rejected).toBe(retryable.length);
    expect(replay).toMatchObject({ status: 'completed', items: retryable.length, succeeded: retryable.length });
    expect(verifyRunFiles(replay, replayInput, 'id').problems).toEqual([]);
    const answered = readJsonl(replay.files.results).map((r) => r.id);
    expect(answered).toEqual(retryable.map((d) => d.id));

    const reused = await cli(['dlq', 'replay', runId, '--id', newRunId]);
    expect(reused.code).toBe(1);
    expect(reused.stderr.trim()).toBe(
      `llmbatch: run id "${newRunId}" is already in use (running or finished); choose another with --id`,
    );
  });

  it('says there is nothing to replay, refuses a spec without an id field, and a run that is not there', async () => {
    h.simulator.setProfile({ batch: FAST });
    const clean = await runToEnd('clean', 20);
    expect(clean.report.deadLettered).toBe(0);
    const nothing = await cli(['dlq', 'replay', clean.runId]);
    expect(nothing.code).toBe(0);
    expect(nothing.stdout.trim()).toBe(`run ${clean.runId} has no dead letters: nothing to replay`);
    const listed = await cli(['dlq', 'list', clean.runId]);
    expect(listed.stdout.trim()).toBe(`run ${clean.runId} has no dead letters (${clean.report.files.deadLetter})`);

    h.simulator.setProfile({ batch: FAST, items: { permanentErrorRate: 1 } });
    const noIds = await runToEnd('no-ids', 10, { id: undefined });
    expect(noIds.report.deadLettered).toBe(10);
    const refused = await cli(['dlq', 'replay', noIds.runId]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(
      new RegExp(`^llmbatch: run ${noIds.runId}'s spec has no \`id\` field, .*set \`id: <field>\``),
    );
    // Refused before anything was written or started.
    expect(readdirSync(noIds.report.outputDir).filter((f) => f.startsWith('replay-'))).toEqual([]);

    const missing = await cli(['dlq', 'list', 'no-such-run']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('llmbatch: no run with id "no-such-run"');
    h.simulator.setProfile({ batch: FAST });
  });
});
