// The pipeline on AWS Bedrock batch inference (the simulator's Bedrock paths, spoken to by the AWS
// SDK v3, the jobs' files on a real S3 server the test starts): every line accounted for, no job
// ever created below the 100-record minimum (a strike-2 set below it goes to Converse), one job per
// chunk and strike when create answers are lost, a PartiallyCompleted job's failed records retried
// while the rest are kept, and a cancelled run stopping its job.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BedrockClient, ListModelInvocationJobsCommand } from '@aws-sdk/client-bedrock';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { providersAt } from '../../dev/embedded';
import { S3_EMULATOR_CREDENTIALS, startS3Emulator, type S3Emulator } from '../../dev/s3-emulator';
import { LABEL_SCHEMA, writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';

const MODEL = 'anthropic.claude-haiku-4-5-20251001-v1:0';
const BUCKET = 'llmbatch-it';
const FAST = { validatingMs: 20, completionMs: 100 };
const bedrockSpec = (extra: Record<string, unknown> = {}) =>
  fastSpec({
    provider: 'bedrock',
    model: MODEL,
    chunkSize: 150,
    output: { dir: 'out', schema: 'label.schema.json' },
    bedrock: { bucket: BUCKET, prefix: 'jobs', roleArn: 'arn:aws:iam::123456789012:role/BedrockBatch' },
    retry: { strike2Delay: '10ms', strike3Delay: '10ms' },
    ...extra,
  });

describe('Bedrock batch inference', () => {
  let s3: S3Emulator;
  let h: Harness;
  let jobs: BedrockClient;
  beforeAll(async () => {
    s3 = await startS3Emulator({ buckets: [BUCKET] });
    h = await startHarness({
      profile: { batch: FAST },
      s3: { endpoint: s3.url, credentials: S3_EMULATOR_CREDENTIALS },
      providerEnv: (url) => providersAt(url, s3.url),
    });
    jobs = new BedrockClient({ region: 'us-east-1', credentials: S3_EMULATOR_CREDENTIALS, endpoint: h.simulator.url });
    writeTickets(join(h.dir, 'tickets.jsonl'), 150);
    writeFileSync(join(h.dir, 'label.schema.json'), JSON.stringify(LABEL_SCHEMA));
  });
  afterAll(async () => {
    await h?.close();
    await s3?.stop();
  });

  /** Every job the simulated Bedrock holds, with its record count. */
  const allJobs = async () =>
    (await jobs.send(new ListModelInvocationJobsCommand({ maxResults: 1000 }))).invocationJobSummaries ?? [];

  const run = async (name: string, extra: Record<string, unknown> = {}) => {
    const spec = loadSpec(h.writeSpec(bedrockSpec(extra), `${name}.yaml`));
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-${name}-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    return report;
  };

  it('runs 150 items as one job: every line accounted for, priced, billed once', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: FAST });
    const report = await run('bedrock-150');
    expect(report).toMatchObject({ items: 150, succeeded: 150, deadLettered: 0, batches: 1 });
    for (const r of readJsonl(report.files.results)) expect(r).toMatchObject({ provider: 'bedrock', mode: 'batch' });
    const ledger = h.simulator.ledger();
    expect(ledger).toMatchObject({ batchesCreated: 1, requestsBilled: 150, doubleBilled: 0 });
    expect(ledger.byProvider.bedrock?.requestsBilled).toBe(150);
    expect(report.costUsd.actual).toBeGreaterThan(0);
    expect(report.costUsd.actual).toBeCloseTo(ledger.costUsd, 6);
    // The job's manifest.json.out totals, priced the same way, confirm the bill.
    expect(report.costUsd.confirmed).toBeCloseTo(report.costUsd.actual, 6);
    expect(report.byProvider.bedrock).toMatchObject({ confirmedDifferenceUsd: 0 });
  });

  it('with 7% retryable record failures: the job ends PartiallyCompleted, strike 2 (under 100) goes to Converse', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: FAST, items: { retryableErrorRate: 0.07 }, sync: { latencyMs: 0 } });
    const report = await run('bedrock-7pct');
    expect(report).toMatchObject({ items: 150, deadLettered: 0, succeeded: 150 });
    const results = readJsonl(report.files.results) as Array<{ strike: number; mode: string }>;
    const retried = results.filter((r) => r.strike > 1);
    expect(retried.length).toBeGreaterThan(0);
    // The failed records were answered by sync calls; the rest are the job's answers, kept.
    for (const r of retried) expect(r.mode).toBe('sync');
    expect(results.filter((r) => r.strike === 1 && r.mode === 'batch').length).toBe(150 - retried.length);
    const all = await allJobs();
    expect(all.map((j) => j.status)).toEqual(['PartiallyCompleted']);
    for (const job of all) expect(job.totalRecordCount).toBeGreaterThanOrEqual(100);
    expect(h.simulator.ledger().doubleBilled).toBe(0);
  });

  it('sends a chunk below the minimum to the sync lane: no job is created', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: FAST, sync: { latencyMs: 0 } });
    const report = await run('bedrock-small', { chunkSize: 60 });
    expect(report).toMatchObject({ items: 150, succeeded: 150, deadLettered: 0, batches: 0 });
    expect(await allJobs()).toEqual([]);
    expect(h.simulator.ledger()).toMatchObject({ requestsBilled: 150, doubleBilled: 0 });
  });

  it('makes one job per chunk and strike when create answers are lost', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: FAST, http: { lostResponseRate: 0.3 }, sync: { latencyMs: 0 } });
    const report = await run('bedrock-lost', { chunkSize: 100 });
    expect(report).toMatchObject({ items: 150, deadLettered: 0 });
    // 100 + 50: the second chunk is under the minimum and goes through Converse.
    h.simulator.setProfile({ batch: FAST }); // the test's own listing must not lose its answer
    const all = await allJobs();
    expect(all).toHaveLength(1);
    expect(h.simulator.ledger()).toMatchObject({ batchesCreated: 1, doubleBilled: 0 });
  });

  it('stops the job when the run is cancelled, and keeps the run accounted for', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: { validatingMs: 60_000, completionMs: 60_000 } });
    const spec = loadSpec(h.writeSpec(bedrockSpec(), 'bedrock-cancel.yaml'));
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-bedrock-cancel-${Date.now()}` });
    for (let i = 0; i < 200 && (await allJobs()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await handle.cancel();
    await handle.result().catch(() => undefined);
    const all = await allJobs();
    expect(all).toHaveLength(1);
    expect(['Stopping', 'Stopped']).toContain(all[0].status);
    expect(h.simulator.ledger()).toMatchObject({ batchesCancelled: 1, doubleBilled: 0 });
  });
});
