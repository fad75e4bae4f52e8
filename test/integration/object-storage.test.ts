// Data where users keep it: input and output.dir on s3:// (gofakes3) and gs:// (fake-gcs-server),
// through the official SDKs. Every input line ends in exactly one object written to the bucket; bad
// places are refused in one line before anything is billed; and a bucket deleted while the batches
// ran leaves the run in finalize-failed, from which `finalize --output` writes every line elsewhere
// without billing again.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckedSpec } from '../../client/input-check';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import type { RunReport } from '../../common';
import { progressQuery } from '../../workflows';
import { activityFailureOf } from '../support/activity-failure';
import { cli } from '../support/cli';
import { writeTickets } from '../support/datasets';
import {
  expectFinalizeFailedStatus,
  expectNoSecondBilling,
  finalizeAgain,
  untilFinalizeFailed,
} from '../support/finalize-failed';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { startObjectStorage, type ObjectStorage } from '../support/object-storage';
import { writeParquet } from '../support/parquet-files';
import { until } from '../support/until';

const lines = (text: string | undefined) => (text ?? '').split('\n').filter(Boolean);

describe('s3:// and gs:// inputs and outputs', () => {
  let h: Harness;
  let storage: ObjectStorage;
  beforeAll(async () => {
    // The emulators first: the worker in this process reads their addresses from the environment.
    storage = await startObjectStorage();
    for (const scheme of ['s3', 'gs'] as const)
      for (const bucket of ['in-data', 'out-data', 'out-other']) await storage.createBucket(scheme, bucket);
    h = await startHarness({
      profile: { seed: 7, batch: { validatingMs: 20, completionMs: 100 }, items: { permanentErrorRate: 0.05 } },
    });
  }, 300_000);
  afterAll(async () => {
    await h?.close();
    await storage?.stop();
  });

  /** The objects a report names: every input line in exactly one, and the report's counts theirs. */
  async function expectAccounted(report: RunReport, inputLines: number) {
    const [results, deadLetters, rejected] = await Promise.all(
      [report.files.results, report.files.deadLetter, report.files.rejected].map(async (url) =>
        lines(await storage.read(url)),
      ),
    );
    expect(results.length + deadLetters.length + rejected.length).toBe(inputLines);
    expect(report).toMatchObject({
      items: inputLines,
      succeeded: results.length,
      deadLettered: deadLetters.length,
      rejected: rejected.length,
      status: 'completed',
    });
    const written = JSON.parse((await storage.read(report.files.report))!) as RunReport;
    expect(written).toMatchObject({ items: inputLines, succeeded: results.length, outputDir: report.outputDir });
    expect(await storage.read(report.files.reportPage!)).toContain('<html');
    return { results, deadLetters, rejected };
  }

  describe('bad places: one line naming the URL, exit 1, nothing billed', () => {
    beforeAll(async () => {
      writeTickets(join(h.dir, 'tickets.jsonl'), 10);
      writeFileSync(join(h.dir, 'not.parquet'), '{"id": "t1"}\n');
      await storage.putFile('s3://in-data/bad/not.parquet', join(h.dir, 'not.parquet'));
    });

    it.each([
      [
        'an input bucket that does not exist',
        's3://no-such-bucket/tickets.jsonl',
        'out-data',
        /bucket no-such-bucket does not exist/,
      ],
      [
        'a gs:// bucket that does not exist',
        'gs://no-such-bucket/tickets.jsonl',
        'out-data',
        /bucket no-such-bucket does not exist/,
      ],
      ['a glob matching nothing', 's3://in-data/none/part-*.parquet', 'out-data', /matches no object/],
      ['an object that is not Parquet', 's3://in-data/bad/not.parquet', 'out-data', /is not a readable Parquet file/],
      [
        'an output bucket that does not exist',
        'tickets.jsonl',
        'no-such-out',
        /cannot be used: bucket no-such-out does not exist/,
      ],
    ])('%s', async (_, input, outBucket, problem) => {
      const spec = h.writeSpec(fastSpec({ input, output: { dir: `s3://${outBucket}/bad` } }), 'bad.yaml');
      const run = await cli(['run', spec, '--task-queue', h.taskQueue]);
      expect(run.code).toBe(1);
      const said = run.stderr.trim().split('\n');
      expect(said).toHaveLength(1);
      expect(said[0]).toContain(input.includes('://') ? input : `s3://${outBucket}/bad`);
      expect(said[0]).toMatch(problem);
      expect(h.simulator.ledger().batchesCreated).toBe(0);
    });

    it('is refused by the worker too, when no client checked it', async () => {
      const spec = loadSpec(h.writeSpec(fastSpec({ output: { dir: 's3://no-such-out/bad' } }), 'unchecked.yaml'));
      const handle = await startRun(h.client, spec, {
        taskQueue: h.taskQueue,
        runId: `it-obj-unchecked-${Date.now()}`,
      });
      const failure = await activityFailureOf(handle);
      expect(failure.type).toBe('OutputDirUnusable');
      expect(failure.message).toBe('output.dir s3://no-such-out/bad cannot be used: bucket no-such-out does not exist');
      expect(h.simulator.ledger().batchesCreated).toBe(0);
    });
  });

  it('s3://: a glob of two Parquet shards in, output.dir in a bucket, every line accounted for', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => ({
      id: `p${i + 1}`,
      subject: `Order ${i + 1}`,
      body: `Where is order ${i + 1}?`,
    }));
    await writeParquet(join(h.dir, 'part-1.parquet'), rows.slice(0, 80), 50);
    await writeParquet(join(h.dir, 'part-2.parquet'), rows.slice(80), 50);
    await storage.putFile('s3://in-data/tickets/part-2.parquet', join(h.dir, 'part-2.parquet'));
    await storage.putFile('s3://in-data/tickets/part-1.parquet', join(h.dir, 'part-1.parquet'));
    const spec = await loadCheckedSpec(
      h.writeSpec(
        fastSpec({ input: 's3://in-data/tickets/part-*.parquet', output: { dir: 's3://out-data/runs/pq' } }),
        's3.yaml',
      ),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-obj-s3-${Date.now()}` })
    ).result();
    expect(report.files.results).toBe('s3://out-data/runs/pq/results.jsonl');
    const { results, deadLetters } = await expectAccounted(report, 150);
    expect(deadLetters.length).toBeGreaterThan(0);
    const ids = [...results, ...deadLetters].map((l) => (JSON.parse(l) as { id: string }).id);
    expect(new Set(ids)).toEqual(new Set(rows.map((r) => r.id)));
    // `dlq list` and `report` find the files in the bucket as they do in a folder.
    const listed = await cli(['dlq', 'list', report.runId, '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ total: deadLetters.length, file: report.files.deadLetter });
    const page = await cli(['report', report.runId]);
    expect(page.code).toBe(0);
    expect(page.stdout.trim()).toMatch(/report\.html$/);
    // Nothing left behind: the probe object is gone, the five files are there.
    expect(await storage.list('s3', 'out-data', 'runs/pq/')).toEqual(
      ['dead-letter.jsonl', 'rejected.jsonl', 'report.html', 'report.json', 'results.jsonl'].map((f) => `runs/pq/${f}`),
    );
    // A replay's input goes into the bucket too, so whichever worker plans it can read it.
    const replayId = `${report.runId}-replay`;
    const replay = await cli([
      'dlq',
      'replay',
      report.runId,
      '--id',
      replayId,
      '--wait',
      '--json',
      '--task-queue',
      h.taskQueue,
    ]);
    expect(replay.code).toBe(0);
    const replayed = JSON.parse(replay.stdout.trim().split('\n').pop()!) as RunReport;
    expect(replayed).toMatchObject({
      items: deadLetters.length,
      outputDir: `s3://out-data/runs/pq/replay-${replayId}`,
    });
    expect(lines(await storage.read(`s3://out-data/runs/pq/replay-${replayId}.jsonl`))).toHaveLength(
      deadLetters.length,
    );
  });

  it('gs://: JSONL shards in and output.dir in a bucket, rejections named file:row', async () => {
    writeTickets(join(h.dir, 'a.jsonl'), 60, { invalidJsonLines: [7] });
    writeTickets(join(h.dir, 'b.jsonl'), 40, { missingFieldLines: [3] });
    await storage.putFile('gs://in-data/tickets/2026-01.jsonl', join(h.dir, 'a.jsonl'));
    await storage.putFile('gs://in-data/tickets/2026-02.jsonl', join(h.dir, 'b.jsonl'));
    const spec = await loadCheckedSpec(
      h.writeSpec(
        fastSpec({ input: 'gs://in-data/tickets/*.jsonl', id: undefined, output: { dir: 'gs://out-data/runs/jsonl' } }),
        'gs.yaml',
      ),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-obj-gs-${Date.now()}` })
    ).result();
    const { rejected } = await expectAccounted(report, 100);
    const said = rejected.map((l) => JSON.parse(l) as { line: number; error: string });
    expect(said.map(({ line, error }) => ({ line, error }))).toEqual([
      { line: 7, error: expect.stringMatching(/^2026-01\.jsonl:7: invalid JSON/) },
      { line: 63, error: '2026-02.jsonl:3: template field "body" is missing' },
    ]);
  });

  it('a bucket deleted while the batches ran: finalize-failed, then `finalize --output` writes every line once', async () => {
    await storage.createBucket('s3', 'doomed');
    // Its own texts: the simulator counts a body billed again in any run of this file as double billing.
    writeTickets(join(h.dir, 'doomed.jsonl'), 120, { marker: 'doomed' });
    const spec = await loadCheckedSpec(
      h.writeSpec(
        fastSpec({
          input: 'doomed.jsonl',
          chunkSize: 50,
          output: { dir: 's3://doomed/out' },
          retry: { finalizeBackoff: '1h' },
        }),
        'doomed.yaml',
      ),
    );
    const runId = `it-obj-ff-${Date.now()}`;
    h.simulator.setProfile({ seed: 7, batch: { validatingMs: 20, completionMs: 1500 } });
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId });
    await until('the batches run', async () => (await handle.query(progressQuery)).phase === 'running');
    await storage.deleteBucket('s3', 'doomed');
    await untilFinalizeFailed(handle);
    const billed = h.simulator.ledger();
    expect(billed.batchesCreated).toBeGreaterThan(0);
    await expectFinalizeFailedStatus(
      runId,
      'cannot write the outputs to s3://doomed/out: bucket doomed does not exist',
    );

    // Another bucket that is not there: one line, exit 1, and the run waits on.
    const refused = await cli(['finalize', runId, '--output', 'gs://no-such-bucket/rescued']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([
      expect.stringContaining(
        'still in phase finalize-failed: cannot write the outputs to gs://no-such-bucket/rescued: bucket no-such-bucket does not exist',
      ),
    ]);

    const report = await finalizeAgain(runId, 's3://out-other/rescued');
    expect(report).toMatchObject({ outputDir: 's3://out-other/rescued' });
    const { results } = await expectAccounted(report, 120);
    expect(results.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(
      Array.from({ length: 120 }, (_, i) => `t${i + 1}`),
    );
    expectNoSecondBilling(h.simulator, billed);
  });
});
