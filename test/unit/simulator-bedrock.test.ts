// The simulator's Bedrock paths as the AWS SDK v3 and our adapter see them, on a real S3 server
// (gofakes3, started by dev/s3-emulator.ts): a job's input read from S3 and its output and manifest
// written there, Claude and Nova bodies, every answer matched by recordId, the record minimum,
// clientRequestToken and job-name exactly-once, stop, per-record errors (PartiallyCompleted),
// Converse, AWS's error shape, the ledger, and a missing signature refused.
import { BedrockClient, CreateModelInvocationJobCommand, GetModelInvocationJobCommand } from '@aws-sdk/client-bedrock';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { NeutralRequest } from '../../common';
import { BedrockBatchProvider, jobNameOf } from '../../providers/bedrock/bedrock-batch';
import { classifyProviderError } from '../../providers/core/errors';
import type { BatchRequest, ProviderBatch } from '../../providers/core/types';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { S3_EMULATOR_CREDENTIALS, startS3Emulator, type S3Emulator } from '../../dev/s3-emulator';

const FAST = { batch: { validatingMs: 30, completionMs: 60 }, sync: { latencyMs: 0 } };
const CLAUDE = 'anthropic.claude-haiku-4-5-20251001-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';
const TARGET = { bucket: 'llmbatch-jobs', prefix: 'runs', roleArn: 'arn:aws:iam::123456789012:role/BedrockBatch' };
const SCHEMA = { type: 'object', properties: { label: { type: 'string' } }, required: ['label'] };

let s3: S3Emulator;
let sim: RunningSimulator;
let provider: BedrockBatchProvider;

beforeAll(async () => {
  s3 = await startS3Emulator({ buckets: [TARGET.bucket] });
  sim = await startSimulator({ profile: FAST, s3: { endpoint: s3.url, credentials: S3_EMULATOR_CREDENTIALS } });
  provider = new BedrockBatchProvider('bedrock', {
    region: 'us-east-1',
    credentials: S3_EMULATOR_CREDENTIALS,
    bedrockEndpoint: sim.url,
    runtimeEndpoint: sim.url,
    s3Endpoint: s3.url,
    forcePathStyle: true,
  });
});

afterAll(async () => {
  await sim?.close();
  await s3?.stop();
});

beforeEach(() => {
  sim.reset();
  sim.setProfile(FAST);
});

function requests(n: number, model: string, prefix = 'item'): AsyncIterable<BatchRequest> {
  return (async function* () {
    for (let i = 0; i < n; i++) {
      const request: NeutralRequest = {
        model,
        maxTokens: 50,
        messages: [
          { role: 'system', content: 'Classify.' },
          { role: 'user', content: `ticket ${prefix} ${i}` },
        ],
      };
      yield { customId: `${prefix}-${i}`, request };
    }
  })();
}

async function first(items: AsyncIterable<BatchRequest>): Promise<BatchRequest[]> {
  for await (const item of items) return [item];
  return [];
}

async function ended(id: string): Promise<ProviderBatch> {
  for (let i = 0; i < 200; i++) {
    const batch = await provider.getBatch(id);
    if (['completed', 'failed', 'expired', 'cancelled'].includes(batch.status)) return batch;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${id} did not end`);
}

async function collect(batch: ProviderBatch) {
  const out = [];
  for await (const r of provider.readResults(batch)) out.push(r);
  return out;
}

describe('simulated Bedrock batch inference through the AWS SDK and S3', () => {
  it.each([
    [CLAUDE, 'Claude'],
    [NOVA, 'Nova'],
  ])(
    'runs a %s job: input read from S3, every record answered by recordId, output and manifest on S3',
    async (model) => {
      const created = await provider.createBatch(requests(120, model), SCHEMA, 'run-1/0/1', {}, { bedrock: TARGET });
      expect(created.id).toMatch(/^arn:aws:bedrock:us-east-1:\d{12}:model-invocation-job\/[a-z0-9]+$/);
      expect(created.counts.total).toBe(120);
      const batch = await ended(created.id);
      expect(batch).toMatchObject({ status: 'completed', counts: { total: 120, completed: 120, failed: 0 } });
      expect(batch.outputFileId).toMatch(
        new RegExp(`^s3://llmbatch-jobs/runs/${jobNameOf('run-1/0/1')}/output/[a-z0-9]+/records.jsonl.out$`),
      );
      const results = await collect(batch);
      expect(results).toHaveLength(120);
      expect(new Set(results.map((r) => r.customId)).size).toBe(120);
      for (const r of results) {
        expect(r.ok).toBe(true);
        if (r.ok) expect(JSON.parse(r.content)).toEqual({ label: expect.any(String) });
      }
      const manifest = await provider.readManifest(batch);
      const inputTokens = results.reduce((n, r) => n + (r.usage?.inputTokens ?? 0), 0);
      expect(manifest).toMatchObject({ totalRecordCount: 120, successRecordCount: 120, inputTokenCount: inputTokens });
      // The job's bill as the report confirms it: the manifest's token totals.
      const outputTokens = results.reduce((n, r) => n + (r.usage?.outputTokens ?? 0), 0);
      expect(await provider.reportedUsage(batch)).toEqual({ promptTokens: inputTokens, outputTokens });
      const ledger = sim.ledger();
      expect(ledger.batchesCreated).toBe(1);
      expect(ledger.byProvider.bedrock).toMatchObject({ requestsBilled: 120 });
      expect(ledger.costUsd).toBeGreaterThan(0);
      expect(ledger.doubleBilled).toBe(0);
    },
  );

  it('writes the model input in the model own body format', async () => {
    const created = await provider.createBatch(
      requests(100, CLAUDE),
      undefined,
      'run-body/0/1',
      {},
      { bedrock: TARGET },
    );
    const { key } = { key: `runs/${jobNameOf('run-body/0/1')}/records.jsonl` };
    const object = await provider.clients.s3.send(new GetObjectCommand({ Bucket: TARGET.bucket, Key: key }));
    const first = JSON.parse((await object.Body!.transformToString()).split('\n')[0]) as Record<string, unknown>;
    expect(first).toEqual({
      recordId: 'item-0',
      modelInput: {
        anthropic_version: 'bedrock-2023-05-31',
        max_tokens: 50,
        system: 'Classify.',
        messages: [{ role: 'user', content: 'ticket item 0' }],
      },
    });
    await ended(created.id);
  });

  it('refuses a job below the 100-record minimum, as Bedrock does', async () => {
    const error = await provider
      .createBatch(requests(99, NOVA), undefined, 'run-small/0/1', {}, { bedrock: TARGET })
      .catch((e: unknown) => e);
    expect(classifyProviderError(error)).toMatchObject({ kind: 'invalid_request', retryable: false });
    expect((error as Error).message).toMatch(/has 99 records; a batch inference job needs at least 100/);
    expect(sim.ledger().batchesCreated).toBe(0);
  });

  it('makes one job per idempotency key: the same create again, and a lookup by job name', async () => {
    const first = await provider.createBatch(requests(100, NOVA), undefined, 'run-2/3/1', {}, { bedrock: TARGET });
    const again = await provider.createBatch(requests(100, NOVA), undefined, 'run-2/3/1', {}, { bedrock: TARGET });
    expect(again.id).toBe(first.id);
    const hint = { createdAfterMs: Date.now() - 60_000, requests: 100, claimed: new Set<string>() };
    expect((await provider.findBatch('run-2/3/1', hint))?.id).toBe(first.id);
    expect(await provider.findBatch('run-2/3/2', hint)).toBeUndefined();
    expect(await provider.findBatch('run-2/3/1', { ...hint, claimed: new Set([first.id]) })).toBeUndefined();
    expect(sim.ledger().batchesCreated).toBe(1);
  });

  it('stops a job: Stopping, then Stopped, keeping what it answered', async () => {
    sim.setProfile({ ...FAST, batch: { validatingMs: 10_000, completionMs: 10_000 } });
    const created = await provider.createBatch(requests(100, NOVA), undefined, 'run-3/0/1', {}, { bedrock: TARGET });
    const stopping = await provider.cancelBatch(created.id);
    expect(stopping.status).toBe('cancelling');
    const stopped = await ended(created.id);
    expect(stopped.status).toBe('cancelled');
    expect(await collect(stopped)).toEqual([]);
    expect(sim.ledger()).toMatchObject({ batchesCancelled: 1, requestsBilled: 0 });
  });

  it('ends PartiallyCompleted with each failed record error in place of its answer', async () => {
    sim.setProfile({ ...FAST, items: { retryableErrorRate: 0.1 } });
    const created = await provider.createBatch(requests(200, CLAUDE), SCHEMA, 'run-4/0/1', {}, { bedrock: TARGET });
    const batch = await ended(created.id);
    const job = await new BedrockClient({
      region: 'us-east-1',
      credentials: S3_EMULATOR_CREDENTIALS,
      endpoint: sim.url,
    }).send(new GetModelInvocationJobCommand({ jobIdentifier: created.id }));
    expect(job.status).toBe('PartiallyCompleted');
    expect(batch.status).toBe('completed');
    const results = await collect(batch);
    const failed = results.filter((r) => !r.ok);
    expect(results).toHaveLength(200);
    expect(failed.length).toBe(job.errorRecordCount);
    expect(failed.length).toBeGreaterThan(5);
    for (const f of failed) if (!f.ok) expect([429, 500]).toContain(f.status);
  });

  it('answers Converse (the sync lane) with JSON in the schema, billed once', async () => {
    const [request] = await first(requests(1, NOVA, 'sync'));
    const result = await provider.callSync(request, SCHEMA);
    expect(result).toMatchObject({ customId: 'sync-0', ok: true });
    if (result.ok) expect(JSON.parse(result.content)).toEqual({ label: expect.any(String) });
    expect(sim.ledger().byMode.sync?.requestsBilled).toBe(1);
  });

  it('answers in AWS shape: an unknown model is a ValidationException, an unsigned call is refused', async () => {
    const [request] = await first(requests(1, 'amazon.nova-mega-v9:0'));
    const error = await provider.callSync(request, undefined).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    const unsigned = await fetch(`${sim.url}/model-invocation-jobs`);
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it('refuses a job whose input is not on S3', async () => {
    const client = new BedrockClient({ region: 'us-east-1', credentials: S3_EMULATOR_CREDENTIALS, endpoint: sim.url });
    const error = await client
      .send(
        new CreateModelInvocationJobCommand({
          jobName: 'nothing-there',
          roleArn: TARGET.roleArn,
          modelId: NOVA,
          inputDataConfig: { s3InputDataConfig: { s3Uri: 's3://llmbatch-jobs/none.jsonl' } },
          outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://llmbatch-jobs/out/' } },
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/does not exist/) });
  });
});
