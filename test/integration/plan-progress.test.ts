// Planning a large input shows how far it has read: the plan's heartbeat ({ lines }) reaches the
// client through the run's description, with the rate in rows per second, and `run --wait` prints it
// while the run plans.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describePlan, planProgress, type PlanProgress } from '../../client/plan-progress';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { progressQuery } from '../../workflows';
import { spawnCli } from '../support/cli';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { until } from '../support/until';

const LINES = 100_000;
const ANSWERED = 50;

/** A large input that is cheap past the plan: all but the first lines lack the template's {{body}}, so are rejected. */
function writeLargeInput(path: string) {
  const lines: string[] = [];
  for (let n = 1; n <= LINES; n++)
    lines.push(
      JSON.stringify(n <= ANSWERED ? { id: `t${n}`, subject: 's', body: `b${n}` } : { id: `t${n}`, subject: 's' }),
    );
  writeFileSync(path, lines.join('\n') + '\n');
}

describe('plan progress', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 } } });
    writeLargeInput(join(h.dir, 'tickets.jsonl'));
  });
  afterAll(async () => h?.close());

  const spec = (name: string) =>
    h.writeSpec(fastSpec({ name, chunkSize: 100, output: { dir: `out-${name}` } }), `${name}.yaml`);

  it('counts the lines the plan has read, and their rate, while it plans', async () => {
    const handle = await startRun(h.client, loadSpec(spec('plan-seen')), {
      taskQueue: h.taskQueue,
      runId: `it-plan-progress-${Date.now()}`,
    });
    const seen: PlanProgress[] = [];
    await until('the plan says how far it read', async () => {
      const progress = await planProgress(handle);
      if (progress) seen.push(progress);
      return seen.length > 0 || (await handle.query(progressQuery)).phase !== 'planning';
    });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0].lines).toBeGreaterThan(0);
    expect(seen[0].lines).toBeLessThanOrEqual(LINES);
    expect(describePlan(seen[0])).toMatch(/^planning: [\d,]+ lines read/);
    const report = await handle.result();
    expect(report).toMatchObject({ items: LINES, succeeded: ANSWERED, rejected: LINES - ANSWERED });
    // Ended: nothing pending, nothing to show.
    expect(await planProgress(handle)).toBeUndefined();
  });

  it('is printed by `run --wait` while the run plans', async () => {
    const path = spec('plan-cli');
    const run = spawnCli(['run', path, '--wait', '--task-queue', h.taskQueue, '--id', `it-plan-cli-${Date.now()}`]);
    expect((await run.exited).code).toBe(0);
    expect(run.stdout()).toMatch(/^planning: (reading the input|[\d,]+ lines read)/m);
  });
});
