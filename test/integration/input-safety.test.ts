// Hostile input stays data: item ids shaped like paths (`../../etc/x`, `/abs/path`) never become
// file names, a template reads only an item's own fields (`{{constructor}}`, `{{__proto__.x}}`),
// and a run id that would move the files out of output.dir (a workflow started by any client)
// is refused by the worker before anything is spent. Every line is accounted for.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import type { RunWorkflowInput } from '../../common';
import { batchRunWorkflow } from '../../workflows';
import { activityFailureOf } from '../support/activity-failure';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('input safety', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 } } });
  });
  afterAll(async () => h?.close());

  it('keeps path-like ids and prototype names as data, and writes only its five files', async () => {
    // JSON.stringify drops a literal __proto__ key; the lines are written as a user's file holds them.
    const line = (fields: Record<string, unknown>, proto = true) =>
      JSON.stringify(fields).replace(/^\{/, proto ? '{"__proto__": {"x": "own proto"}, ' : '{');
    const lines = [
      line({ id: '../../etc/x', subject: 'Order', constructor: 'c1' }),
      line({ id: '/abs/path', subject: 'Refund', constructor: 'c2' }),
      line({ id: '..', subject: 'Invoice', constructor: 'c3' }),
      line({ id: 'a\\b/../../c', subject: 'Login', constructor: 'c4' }),
      line({ id: 'no-constructor', subject: 'Shipping' }), // {{constructor}} is not its own field
      line({ id: '../../../../tmp/llmbatch-evil', subject: 'Billing', constructor: 'c6' }, false), // no own __proto__
      line({ id: 'toString', subject: 'Account', constructor: 'c7' }),
      line({ subject: 'no id at all', constructor: 'c8' }),
    ];
    writeFileSync(join(h.dir, 'tickets.jsonl'), lines.join('\n') + '\n');
    const specPath = h.writeSpec(fastSpec({ template: { user: '{{subject}}' }, output: { dir: 'safe/out' } }));

    // The spec loader refuses such a template outright...
    const hostile = h.writeSpec(fastSpec({ template: { user: '{{subject}} {{constructor}}' } }), 'hostile.yaml');
    expect(() => loadSpec(hostile)).toThrow(/uses "constructor", which cannot be a field name in a template/);
    // ...and a spec that reaches the worker some other way still reads only each item's own fields.
    const spec = { ...loadSpec(specPath), template: { user: '{{subject}} | {{constructor}} | {{__proto__.x}}' } };
    const before = filesUnder(h.dir);
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-safety-${Date.now()}` })
    ).result();

    expect(report).toMatchObject({ items: 8, succeeded: 5, rejected: 3, deadLettered: 0 });
    expect(readJsonl(report.files.results).map((r) => r.id)).toEqual([
      '../../etc/x',
      '/abs/path',
      '..',
      'a\\b/../../c',
      'toString',
    ]);
    expect(readJsonl(report.files.rejected)).toEqual([
      { line: 5, id: 'no-constructor', error: 'template field "constructor" is missing' },
      { line: 6, id: '../../../../tmp/llmbatch-evil', error: 'template field "__proto__.x" is missing' },
      { line: 8, error: 'missing id field "id"' },
    ]);
    expect(readJsonl(report.files.deadLetter)).toEqual([]);
    // Own "__proto__" keys stayed data: Object.prototype was never touched.
    expect(({} as Record<string, unknown>).x).toBeUndefined();

    // The run wrote its five files (the four of INTERFACE.md and report.html) into output.dir and nothing anywhere else.
    const outDir = resolve(h.dir, 'safe/out');
    const added = filesUnder(h.dir).filter((f) => !before.includes(f) && !f.startsWith('store/'));
    expect(added).toEqual(
      ['dead-letter.jsonl', 'rejected.jsonl', 'report.html', 'report.json', 'results.jsonl'].map((f) =>
        relative(h.dir, join(outDir, f)),
      ),
    );
    for (const id of ['../../etc/x', '/abs/path', '../../../../tmp/llmbatch-evil']) {
      expect(existsSync(resolve(outDir, id))).toBe(false);
    }
  });

  it('refuses on the worker a run id that would climb out of output.dir, before any batch', async () => {
    writeFileSync(join(h.dir, 'tickets.jsonl'), JSON.stringify({ id: 't1', subject: 'a' }) + '\n');
    const spec = loadSpec(
      h.writeSpec(fastSpec({ template: { user: '{{subject}}' }, output: { dir: 'sched/out' } }), 'sched.yaml'),
    );
    // What a schedule does (`<output.dir>/<run id>/`), with an id no llmbatch command would take;
    // any Temporal client can start the workflow so.
    const escape = `escape-${Date.now()}`;
    const runId = `../../${escape}`;
    const input: RunWorkflowInput = { spec, outputPerRun: true };
    const billed = h.simulator.ledger().batchesCreated;
    const handle = await h.client.workflow.start(batchRunWorkflow, {
      workflowId: runId,
      taskQueue: h.taskQueue,
      args: [input],
    });
    expect(await activityFailureOf(handle)).toMatchObject({
      type: 'OutputPathUnsafe',
      message: `output.dir "${spec.outputDir}/${runId}" has a ".." segment: a run id or name with "../" cannot choose where files go`,
    });
    expect(h.simulator.ledger().batchesCreated).toBe(billed);
    expect(existsSync(resolve(spec.outputDir, runId))).toBe(false);
    expect(existsSync(join(h.dir, 'sched'))).toBe(false);

    // The CLI's own path refuses such an id before anything starts.
    await expect(startRun(h.client, spec, { taskQueue: h.taskQueue, runId })).rejects.toThrow(
      `run id "${runId}" cannot be used: it contains "/" or "\\" (it would name another folder)`,
    );
  });
});
