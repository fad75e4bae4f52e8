// The plan activity over a real (embedded PostgreSQL) store: how ids are taken, told apart and refused, and
// that an unusable output folder (or one a run id climbs out of, for a run or an estimate's
// sample) stops the run before anything is planned or written.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { stringify } from 'yaml';
import { createEstimateActivities } from '../../activities/spend/estimate';
import { createPlanActivities } from '../../activities/plan/plan';
import { loadSpec } from '../../client/spec-loader';
import type { PlanSummary, ResolvedSpec } from '../../common';
import { openStore, type RunStore } from '../../store';
import { quietActivityEnvironment } from '../support/fake-provider';

let store: RunStore;
const dir = mkdtempSync(join(tmpdir(), 'llmbatch-plan-'));
beforeAll(async () => {
  store = await openStore(join(dir, 'store'));
});
afterAll(async () => store?.sql.close());

let runs = 0;
function specFor(lines: string[], overrides: Record<string, unknown> = {}, ext = 'jsonl'): ResolvedSpec {
  const n = ++runs;
  writeFileSync(join(dir, `input-${n}.${ext}`), lines.join('\n') + '\n');
  const path = join(dir, `spec-${n}.yaml`);
  writeFileSync(
    path,
    stringify({
      name: `plan-${n}`,
      input: `input-${n}.${ext}`,
      id: 'id',
      template: { user: '{{subject}}' },
      output: { dir: `out-${n}` },
      provider: 'simulator',
      model: 'gpt-4.1-mini',
      ...overrides,
    }),
  );
  return loadSpec(path);
}

async function plan(spec: ResolvedSpec) {
  const runId = `run-${runs}`;
  const { planRun } = createPlanActivities({ store, providers: {} as never });
  const summary = await quietActivityEnvironment().run(planRun, { runId, spec });
  const items = await store.results.itemsPage(runId, 0, 100_000);
  return { summary, items: items.map(({ line, itemId, error }) => ({ line, itemId, error })) };
}

const row = (id: unknown, subject = `s${String(id)}`) => JSON.stringify({ id, subject });

describe('item ids', () => {
  it('tells a number and a string that print alike apart, and keeps the same-type message', async () => {
    const { summary, items } = await plan(
      specFor([row(7), row('t'), row('7'), row('t'), row(7), row(8), row(8.5), row('8.5')]),
    );
    expect(items).toEqual([
      { line: 1, itemId: '7', error: null },
      { line: 2, itemId: 't', error: null },
      { line: 3, itemId: '7', error: 'id "7" (a string) repeats id 7 (a number) on line 1; ids are compared as text' },
      { line: 4, itemId: 't', error: 'duplicate id "t" (first on line 2)' },
      { line: 5, itemId: '7', error: 'duplicate id "7" (first on line 1)' },
      { line: 6, itemId: '8', error: null },
      { line: 7, itemId: '8.5', error: null },
      {
        line: 8,
        itemId: '8.5',
        error: 'id "8.5" (a string) repeats id 8.5 (a number) on line 7; ids are compared as text',
      },
    ]);
    expect(summary).toMatchObject({ lines: 8, accepted: 4, rejected: 4 });
  });

  it('says which was the number when the string came first, across pages of the plan', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => row(`s${i + 1}`));
    lines[2] = row('42'); // line 3
    lines[1199] = row(1); // line 1200: a number among strings that do not look like numbers
    lines[1499] = row(42); // line 1500, a later page
    lines[2099] = row('1'); // line 2100
    lines[2199] = row(99); // line 2200
    lines[2299] = row('99'); // line 2300
    const { items } = await plan(specFor(lines));
    const errors = items.filter((i) => i.error);
    expect(errors).toEqual([
      {
        line: 1500,
        itemId: '42',
        error: 'id 42 (a number) repeats id "42" (a string) on line 3; ids are compared as text',
      },
      {
        line: 2100,
        itemId: '1',
        error: 'id "1" (a string) repeats id 1 (a number) on line 1200; ids are compared as text',
      },
      {
        line: 2300,
        itemId: '99',
        error: 'id "99" (a string) repeats id 99 (a number) on line 2200; ids are compared as text',
      },
    ]);
  });

  it('refuses ids that are neither strings nor numbers, and missing ones', async () => {
    const { items } = await plan(
      specFor([
        row(true),
        row({ n: 1 }),
        row([1]),
        row(null),
        row(''),
        JSON.stringify({ subject: 'no id' }),
        row('ok'),
      ]),
    );
    expect(items.map((i) => i.error)).toEqual([
      'id field "id" must be a string or a number',
      'id field "id" must be a string or a number',
      'id field "id" must be a string or a number',
      'missing id field "id"',
      'missing id field "id"',
      'missing id field "id"',
      null,
    ]);
  });

  it('never reads an id field from Object.prototype', async () => {
    const { items } = await plan(specFor([JSON.stringify({ subject: 'a' })], { id: 'constructor' }));
    expect(items).toEqual([{ line: 1, itemId: null, error: 'missing id field "constructor"' }]);
  });

  it('keeps the id of a CSV row rejected for its shape, where its id column could be read', async () => {
    const csv = ['id,subject', 'a,first', 'b,one,too many', 'c', 'd,"open quote', 'e,fine', '"f,broken'];
    const { items } = await plan(specFor(csv, {}, 'csv'));
    expect(items.map(({ line, itemId }) => ({ line, itemId }))).toEqual([
      { line: 2, itemId: 'a' },
      { line: 3, itemId: 'b' },
      { line: 4, itemId: 'c' },
      { line: 5, itemId: 'd' },
      { line: 6, itemId: 'e' },
      // The quote opens in the id column itself: there is no id to keep.
      { line: 7, itemId: null },
    ]);
    expect(items.filter((i) => i.error).map((i) => i.line)).toEqual([3, 4, 5, 7]);
  });

  it('gives an id to the first line that is accepted, so a rejected line does not hold it', async () => {
    const { items } = await plan(specFor([JSON.stringify({ id: 'a' }), row('a'), row('a')]));
    expect(items).toEqual([
      { line: 1, itemId: 'a', error: 'template field "subject" is missing' },
      { line: 2, itemId: 'a', error: null },
      { line: 3, itemId: 'a', error: 'duplicate id "a" (first on line 2)' },
    ]);
  });
});

describe('output folder', () => {
  it('refuses, without retrying, a run whose output.dir is a file on the worker', async () => {
    const spec = specFor([row(1)]);
    writeFileSync(join(dir, 'a-file'), 'x');
    const runId = `run-${runs}`;
    const { planRun } = createPlanActivities({ store, providers: {} as never });
    let failure: unknown;
    try {
      await quietActivityEnvironment().run(planRun, {
        runId,
        spec: { ...spec, outputDir: join(dir, 'a-file', 'out') },
      });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: 'OutputDirUnusable',
      nonRetryable: true,
      message: expect.stringMatching(
        new RegExp(
          `^output\\.dir ${join(dir, 'a-file', 'out')} cannot be used on worker .*: ${join(dir, 'a-file')} is a file, not a folder$`,
        ),
      ),
    });
    expect(await store.results.itemsPage(runId, 0, 10)).toEqual([]);
  });

  it.each(['../../escaped', '/abs/path'])(
    'refuses a run id %j spliced into output.dir (a schedule run) before creating any folder',
    async (runIdPart) => {
      const spec = specFor([row(1)], { output: { dir: 'sched/out' } });
      const outputDir = `${spec.outputDir}/${runIdPart}`;
      const runId = `run-${runs}`;
      const { planRun } = createPlanActivities({ store, providers: {} as never });
      const failure = await quietActivityEnvironment()
        .run(planRun, { runId, spec: { ...spec, outputDir } })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({
        type: 'OutputPathUnsafe',
        nonRetryable: true,
        message: expect.stringMatching(new RegExp(`^output\\.dir "${outputDir}" has (a "\\.\\."|an empty) segment`)),
      });
      const { existsSync } = await import('node:fs');
      expect(existsSync(join(dir, 'escaped'))).toBe(false);
      expect(existsSync(join(dir, 'sched'))).toBe(false);
      expect(await store.results.itemsPage(runId, 0, 10)).toEqual([]);
    },
  );

  it("refuses an estimate id that would put the sample outside output.dir's samples folder", async () => {
    const spec = specFor([row(1)], { output: { dir: 'est/out' } });
    const { writeSample } = createEstimateActivities({ store, providers: {} as never });
    await expect(
      quietActivityEnvironment().run(writeSample, { runId: '../../../escaped-sample', spec, size: 1 }),
    ).rejects.toMatchObject({
      type: 'OutputPathUnsafe',
      message: expect.stringMatching(
        /^estimate id "\.\.\/\.\.\/\.\.\/escaped-sample" cannot name a folder under output\.dir/,
      ),
    });
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(dir, 'est'))).toBe(false);
    expect(existsSync(join(dir, 'escaped-sample'))).toBe(false);
  });

  it('creates the folder and leaves no probe behind', async () => {
    const spec = specFor([row(1)], { output: { dir: 'deep/er/out' } });
    await plan(spec);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(spec.outputDir)).toEqual([]);
  });
});

describe('routing and hybrid lanes', () => {
  const ticket = (id: number, subject: string, priority = 'low') => JSON.stringify({ id, subject, priority });
  const lanesOf = async (runId: string) =>
    (
      await store.sql.query<{ chunk: number; model: string; mode: string; n: number }>(
        `select l.chunk, l.model, l.mode, count(q.*)::int as n,
                bool_and(q.body::jsonb ->> 'model' = l.model) as same_model
         from chunk_lanes l join requests q on q.run_id = l.run_id and q.chunk = l.chunk
         where l.run_id = $1 group by 1, 2, 3 order by 1`,
        [runId],
      )
    ).rows;

  it('routes by field and by input tokens, one model a chunk, the first matching rule winning', async () => {
    const long = 'word '.repeat(300);
    const spec = specFor(
      [
        ticket(1, 'short', 'high'),
        ticket(2, long),
        ticket(3, 'short'),
        ticket(4, long, 'high'),
        ticket(5, 'short again'),
      ],
      {
        chunkSize: 2,
        routing: {
          rules: [
            { when: { field: 'priority', equals: 'high' }, model: 'gpt-4.1' },
            { when: { inputTokensOver: 200 }, model: 'gpt-4.1-nano' },
          ],
        },
      },
    );
    const summary = (await plan(spec)).summary as PlanSummary;
    expect(summary.chunks).toBe(3);
    // Chunks open as their first request comes: gpt-4.1 (lines 1, 4), nano (line 2), mini (3, 5).
    expect(await lanesOf(`run-${runs}`)).toEqual([
      { chunk: 0, model: 'gpt-4.1', mode: 'batch', n: 2, same_model: true },
      { chunk: 1, model: 'gpt-4.1-nano', mode: 'batch', n: 1, same_model: true },
      { chunk: 2, model: 'gpt-4.1-mini', mode: 'batch', n: 2, same_model: true },
    ]);
    // Each lane priced at its own model: gpt-4.1 costs more than the run's model for the same tokens.
    expect(summary.lanes?.map((l) => l.model).sort()).toEqual(['gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano']);
  });

  it("numbers a hybrid run's sync-lane chunks after its batch chunks", async () => {
    const lines = Array.from({ length: 7 }, (_, i) => ticket(i + 1, `ticket ${i + 1}`, i % 3 === 0 ? 'high' : 'low'));
    const spec = specFor(lines, {
      chunkSize: 2,
      mode: 'hybrid',
      hybrid: { syncWhen: { field: 'priority', equals: 'high' } },
    });
    const summary = (await plan(spec)).summary as PlanSummary;
    // Lines 1, 4 and 7 are high: two sync chunks; the four others: two batch chunks.
    expect(summary).toMatchObject({ chunks: 4, syncChunks: 2 });
    expect((await lanesOf(`run-${runs}`)).map(({ chunk, mode, n }) => ({ chunk, mode, n }))).toEqual([
      { chunk: 0, mode: 'batch', n: 2 },
      { chunk: 1, mode: 'batch', n: 2 },
      { chunk: 2, mode: 'sync', n: 2 },
      { chunk: 3, mode: 'sync', n: 1 },
    ]);
    // The sync lane is priced at sync rates: the run's estimate lies between all-batch and all-sync.
    expect(summary.estimatedUsd.likely).toBeGreaterThan(summary.estimatedSyncUsd.likely / 2);
    expect(summary.estimatedUsd.likely).toBeLessThan(summary.estimatedSyncUsd.likely);
  });
});

describe("the provider's batch limits", () => {
  it('cuts by the wire the model speaks: 100,000 requests a batch for Claude on the simulator, 50,000 for GPT', async () => {
    const lines = Array.from({ length: 50_001 }, (_, i) => row(i + 1));
    const claude = (await plan(specFor(lines, { model: 'claude-haiku-4-5', chunkSize: 100_000 }))).summary;
    expect(claude).toMatchObject({ uniqueRequests: 50_001, chunks: 1 });
    const gpt = (await plan(specFor(lines, { chunkSize: 100_000 }))).summary;
    expect(gpt).toMatchObject({ uniqueRequests: 50_001, chunks: 2 });
  }, 60_000);
});
