// The CLI as a user runs it (`npm run cli -- ...` is `tsx client/cli.ts ...`), against the test
// dev server and an in-process worker.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../support/cli';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';

describe('llmbatch CLI', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 } } });
    writeTickets(join(h.dir, 'tickets.jsonl'), 250);
  });
  afterAll(async () => h?.close());

  it('refuses a spec with five mistakes before anything starts, listing all five', async () => {
    const name = `bad-${Date.now()}`;
    const path = h.writeSpec(
      {
        ...fastSpec({ name }),
        input: 'nowhere.jsonl',
        model: '',
        mode: 'fast',
        poll: { max: 'later' },
        limits: { concurrentBatches: 0 },
      },
      'bad.yaml',
    );
    const result = await cli(['run', path, '--wait'], { LLMBATCH_TASK_QUEUE: h.taskQueue });
    expect(result.code).toBe(1);
    const listed = result.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(listed).toHaveLength(5);
    expect(result.stderr).toContain('has 5 problems');
    for (const path of ['input:', 'model:', 'mode:', 'poll.max:', 'limits.concurrentBatches:']) {
      expect(listed.some((l) => l.startsWith(`  - ${path}`))).toBe(true);
    }
    const started = [];
    for await (const w of h.client.workflow.list({ query: `WorkflowId STARTS_WITH "${name}"` })) started.push(w);
    expect(started).toHaveLength(0);
  });

  it('runs a spec with --wait --json, prints the report, and shows status', async () => {
    const path = h.writeSpec(fastSpec({ name: 'cli-run' }), 'good.yaml');
    const runId = `cli-run-${Date.now()}`;
    const result = await cli(['run', path, '--wait', '--json', '--id', runId, '--task-queue', h.taskQueue]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ runId, items: 250, succeeded: 250, deadLettered: 0, rejected: 0 });

    const status = await cli(['status', runId, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      runId,
      workflowStatus: 'COMPLETED',
      progress: { phase: 'completed', items: 250, succeeded: 250, chunks: { total: 3, done: 3 } },
    });

    const again = await cli(['run', path, '--id', runId, '--task-queue', h.taskQueue]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(
      `llmbatch: run id "${runId}" is already in use (running or finished); choose another with --id`,
    );
  });

  it('says which run it cannot find, in one line', async () => {
    const result = await cli(['status', 'no-such-run']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('llmbatch: no run with id "no-such-run"');
  });

  it('refuses a files queue that is the task queue, and says when no worker polls the files queue', async () => {
    const path = h.writeSpec(fastSpec({ name: 'files' }), 'files.yaml');
    const same = await cli(['run', path, '--task-queue', h.taskQueue, '--files-queue', h.taskQueue]);
    expect(same.code).toBe(1);
    expect(same.stderr.trim()).toBe(
      `llmbatch: --files-queue "${h.taskQueue}" is the run's task queue; name the queue that the files machine's worker polls with --files-queue`,
    );

    // The warning comes after 3 s without a poller; the plan gives up after LLMBATCH_FILES_WORKER_WAIT.
    const runId = `files-nobody-${Date.now()}`;
    const result = await cli(['run', path, '--wait', '--task-queue', h.taskQueue, '--id', runId], {
      LLMBATCH_FILES_QUEUE: 'files-nobody',
      LLMBATCH_FILES_WORKER_WAIT: '5s',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'no worker polls files queue "files-nobody" (the run\'s plan and output files); start `llmbatch worker --files-queue files-nobody` on the machine that has the files',
    );
    expect(result.stderr).toContain(
      `llmbatch: run ${runId} failed: no worker took the plan from files queue "files-nobody" within 5.0 s`,
    );
  });

  it('reports a provider it cannot reach as a failed run, with the reason', async () => {
    writeFileSync(join(h.dir, 'one.jsonl'), '{"id":"a","subject":"s","body":"b"}\n');
    const path = h.writeSpec(fastSpec({ name: 'no-key', input: 'one.jsonl', provider: 'openai' }), 'nokey.yaml');
    // The in-process worker has no OPENAI_API_KEY: a configuration error, not something to retry.
    const result = await cli(['run', path, '--wait', '--task-queue', h.taskQueue, '--id', `no-key-${Date.now()}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed: provider "openai" needs OPENAI_API_KEY in the worker environment/);
  });
});
