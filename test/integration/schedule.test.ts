// `llmbatch schedule ...` as a user runs it (a child process), against the test dev server and an
// in-process worker: each scheduled run has its own id and output folder and is fully accounted
// for; a trigger while a run is going is skipped (overlap skip); delete removes the schedule.
import { join } from 'node:path';
import type { RunReport } from '../../common';
import { verifyRunFiles } from '../../client/verify-run-files';
import { cli } from '../support/cli';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';

/** The run id a `schedule trigger` started, from its first line. */
function startedRun(stdout: string): string {
  const match = /^triggered schedule \S+: started run (\S+)$/m.exec(stdout);
  if (!match) throw new Error(`no run started: ${stdout}`);
  return match[1];
}

describe('llmbatch schedule', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 } } });
    writeTickets(join(h.dir, 'tickets.jsonl'), 120);
  });
  afterAll(async () => h?.close());

  const scheduledRuns = async (name: string) => {
    const ids: string[] = [];
    const query = `WorkflowType = "batchRunWorkflow" AND LlmRunId STARTS_WITH "${name}-"`;
    for await (const w of h.client.workflow.list({ query })) ids.push(w.workflowId);
    return ids.sort();
  };

  it('refuses a schedule without --cron/--every, with both, or with a bad spec', async () => {
    const spec = h.writeSpec(fastSpec({ name: 'sched-refused' }), 'refused.yaml');
    const neither = await cli(['schedule', 'create', 'refused', spec]);
    expect(neither.code).toBe(1);
    expect(neither.stderr.trim()).toBe('llmbatch: schedule create: give when to run: --cron EXPR or --every DURATION');
    const both = await cli(['schedule', 'create', 'refused', spec, '--cron', '0 3 * * *', '--every', '1h']);
    expect(both.stderr.trim()).toBe('llmbatch: schedule create: give --cron or --every, not both');
    const bad = h.writeSpec(fastSpec({ name: 'sched-refused', input: 'nowhere.jsonl' }), 'bad.yaml');
    const badSpec = await cli(['schedule', 'create', 'refused', bad, '--every', '1h']);
    expect(badSpec.code).toBe(1);
    expect(badSpec.stderr).toMatch(/input: file not found: .*nowhere\.jsonl/);
    const described = await cli(['schedule', 'describe', 'refused']);
    expect(described.stderr.trim()).toBe('llmbatch: no schedule named "refused"');
  });

  it('gives every triggered run its own id and folder, skips a trigger while a run is going, and deletes', async () => {
    const name = `sched-${Date.now()}`;
    const spec = h.writeSpec(fastSpec({ name: 'nightly', output: { dir: 'out-sched' }, chunkSize: 50 }), 'sched.yaml');
    const created = await cli(['schedule', 'create', name, spec, '--every', '1h', '--task-queue', h.taskQueue]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`created schedule ${name}: every 1h, overlap skip`);

    const again = await cli(['schedule', 'create', name, spec, '--every', '1h', '--task-queue', h.taskQueue]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(
      `llmbatch: schedule "${name}" already exists (delete it first with \`llmbatch schedule delete ${name}\`)`,
    );

    const reports: RunReport[] = [];
    const finish = async (runId: string) => {
      const report = (await h.client.workflow.getHandle(runId).result()) as RunReport;
      reports.push(report);
      return report;
    };

    // First run, to its end.
    const first = await cli(['schedule', 'trigger', name]);
    expect(first.code).toBe(0);
    const firstId = startedRun(first.stdout);
    expect(firstId.startsWith(`${name}-`)).toBe(true);
    await finish(firstId);

    // Second run, slow: a trigger while it is going is skipped (overlap skip).
    h.simulator.setProfile({ batch: { validatingMs: 20, completionMs: 8000 } });
    const second = await cli(['schedule', 'trigger', name]);
    const secondId = startedRun(second.stdout);
    expect(secondId).not.toBe(firstId);
    const skipped = await cli(['schedule', 'trigger', name]);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout.trim()).toBe(
      `triggered schedule ${name}: skipped, run ${secondId} is still going and the overlap policy is skip`,
    );
    h.simulator.setProfile({ batch: { validatingMs: 20, completionMs: 100 } });
    await finish(secondId);

    for (const report of reports) {
      expect(report.status).toBe('completed');
      expect(report.outputDir).toBe(join(h.dir, 'out-sched', report.runId));
      expect(report.files.report).toBe(join(h.dir, 'out-sched', report.runId, 'report.json'));
      expect(verifyRunFiles(report, join(h.dir, 'tickets.jsonl'), 'id').problems).toEqual([]);
      expect(report).toMatchObject({ items: 120, succeeded: 120 });
    }
    expect(reports.map((r) => r.runId)).toEqual([firstId, secondId]);

    // Exactly the two runs (visibility is eventually consistent: wait for both to show).
    let runs: string[] = [];
    for (let i = 0; i < 50 && runs.length < 2; i++) {
      runs = await scheduledRuns(name);
      if (runs.length < 2) await new Promise((r) => setTimeout(r, 200));
    }
    expect(runs).toEqual([firstId, secondId].sort());

    const described = await cli(['schedule', 'describe', name, '--json']);
    expect(described.code).toBe(0);
    expect(JSON.parse(described.stdout)).toMatchObject({
      name,
      paused: false,
      when: 'every 1h',
      overlap: 'skip',
      taskQueue: h.taskQueue,
      actionsTaken: 2,
      skippedOverlap: 1,
      recentRuns: [
        { runId: firstId, status: 'COMPLETED' },
        { runId: secondId, status: 'COMPLETED' },
      ],
      running: [],
    });

    const paused = await cli(['schedule', 'pause', name]);
    expect(paused.code).toBe(0);
    const listed = await cli(['schedule', 'list', '--json']);
    expect(listed.code).toBe(0);
    // The list is eventually consistent; the schedule is there, paused or about to be.
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((s) => s.name)).toContain(name);

    const deleted = await cli(['schedule', 'delete', name]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout.trim()).toBe(`deleted schedule ${name} (runs it started go on)`);
    const gone = await cli(['schedule', 'describe', name]);
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe(`llmbatch: no schedule named "${name}"`);
    const trigger = await cli(['schedule', 'trigger', name]);
    expect(trigger.stderr.trim()).toBe(`llmbatch: no schedule named "${name}"`);
  });
});
