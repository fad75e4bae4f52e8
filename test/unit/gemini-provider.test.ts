// The Gemini adapter (providers/google): its state mapping, display-name idempotency key, result
// parsing and error classification, and, against the simulator, inline and file batches, a batch
// whose create answer was lost found again instead of created twice, cancel and the stalled state.
import { classifyHttpFailure, type NeutralRequest } from '../../common';
import {
  GEMINI_STATUS,
  GeminiBatchProvider,
  classifyProviderError,
  displayNameOf,
  geminiResponseSchema,
  isAuthError,
  isOutageError,
  isProviderSdkError,
  mayHaveReachedProvider,
  parseDisplayName,
  parseGeminiResult,
  type BatchRequest,
} from '../../providers';
import { GeminiConnectionError } from '../../providers/google/gemini-errors';
import { ApiError, JobState } from '../../providers/google/genai';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { freeClosedPort } from '../support/harness';

const FAST = { batch: { validatingMs: 10, completionMs: 30 }, sync: { latencyMs: 0 } };
const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['label'],
  properties: { label: { type: 'string', enum: ['a', 'b'] }, note: { type: ['string', 'null'] } },
};

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ profile: FAST });
});
afterAll(async () => sim.close());
beforeEach(() => {
  sim.reset();
  sim.setProfile(FAST);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function* requests(n: number, model = 'gemini-2.5-flash'): AsyncIterable<BatchRequest> {
  for (let i = 0; i < n; i++) {
    const request: NeutralRequest = {
      model,
      messages: [
        { role: 'system', content: 'Label it.' },
        { role: 'user', content: `item ${i}` },
      ],
      maxTokens: 40,
    };
    yield { customId: `c${i}`, request };
  }
}

async function ended(provider: GeminiBatchProvider, id: string) {
  for (let i = 0; i < 100; i++) {
    const batch = await provider.getBatch(id);
    if (['completed', 'failed', 'expired', 'cancelled'].includes(batch.status)) return batch;
    await sleep(10);
  }
  throw new Error('the batch did not end');
}

async function collect(iterable: AsyncIterable<unknown>) {
  const out: unknown[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

describe('mapping and parsing', () => {
  it('maps every batch state onto our lifecycle; pending is validating (the start deadline applies)', () => {
    expect(GEMINI_STATUS[JobState.JOB_STATE_PENDING]).toBe('validating');
    expect(GEMINI_STATUS[JobState.JOB_STATE_RUNNING]).toBe('in_progress');
    expect(GEMINI_STATUS[JobState.JOB_STATE_SUCCEEDED]).toBe('completed');
    expect(GEMINI_STATUS[JobState.JOB_STATE_FAILED]).toBe('failed');
    expect(GEMINI_STATUS[JobState.JOB_STATE_CANCELLED]).toBe('cancelled');
    expect(GEMINI_STATUS[JobState.JOB_STATE_EXPIRED]).toBe('expired');
  });

  it('carries the idempotency key and the request count in the display name', () => {
    expect(parseDisplayName(displayNameOf('run-1/3/2', 250))).toEqual({ key: 'run-1/3/2', requests: 250 });
    expect(parseDisplayName('someone else')).toBeUndefined();
  });

  it('turns the output schema into the API Schema: capital types, nullable, no additionalProperties', () => {
    expect(geminiResponseSchema(SCHEMA)).toEqual({
      type: 'OBJECT',
      required: ['label'],
      properties: { label: { type: 'STRING', enum: ['a', 'b'] }, note: { type: 'STRING', nullable: true } },
    });
  });

  it('parses answers, usage (cached and thinking tokens) and per-request errors', () => {
    const ok = parseGeminiResult(
      'k',
      {
        candidates: [{ content: { parts: [{ text: 'thinking', thought: true }, { text: '{"label":"a"}' }] } }],
        usageMetadata: {
          promptTokenCount: 100,
          cachedContentTokenCount: 40,
          candidatesTokenCount: 7,
          thoughtsTokenCount: 5,
        },
      } as never,
      undefined,
    );
    expect(ok).toEqual({
      customId: 'k',
      ok: true,
      content: '{"label":"a"}',
      usage: { inputTokens: 60, outputTokens: 12, cacheWriteTokens: 0, cacheReadTokens: 40 },
    });
    const invalid = parseGeminiResult('k', undefined, { code: 3, message: 'bad' });
    expect(invalid).toMatchObject({ ok: false, status: 400, code: 'INVALID_ARGUMENT' });
    if (!invalid.ok) expect(classifyHttpFailure(invalid.status, invalid.code)).toBe('invalid_request');
    const exhausted = parseGeminiResult('k', undefined, { code: 8, message: 'later' });
    if (!exhausted.ok) expect(classifyHttpFailure(exhausted.status, exhausted.code)).toBe('rate_limited');
    const blocked = parseGeminiResult('k', { candidates: [{ finishReason: 'SAFETY' }] } as never, undefined);
    if (!blocked.ok) expect(classifyHttpFailure(blocked.status, blocked.code)).toBe('content_policy');
    const prompt = parseGeminiResult('k', { promptFeedback: { blockReason: 'OTHER' } } as never, undefined);
    expect(prompt).toMatchObject({ ok: false, code: 'content_filter' });
  });

  it('classifies the SDK errors: status, google.rpc status name, RetryInfo, outage, reach', async () => {
    const limited = new ApiError({
      status: 429,
      message: JSON.stringify({
        error: {
          code: 429,
          message: 'quota',
          status: 'RESOURCE_EXHAUSTED',
          details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }],
        },
      }),
    });
    expect(isProviderSdkError(limited)).toBe(true);
    expect(classifyProviderError(limited)).toEqual({
      kind: 'rate_limited',
      retryable: true,
      message: '429 RESOURCE_EXHAUSTED: quota',
      retryAfterMs: 7000,
    });
    expect(mayHaveReachedProvider(limited)).toBe(false);
    const internal = new ApiError({ status: 500, message: '{}' });
    expect(isOutageError(internal)).toBe(true);
    expect(mayHaveReachedProvider(internal)).toBe(true);
    const bad = new ApiError({
      status: 400,
      message: '{"error":{"code":400,"message":"no","status":"INVALID_ARGUMENT"}}',
    });
    expect(classifyProviderError(bad)).toMatchObject({ kind: 'invalid_request', retryable: false });

    // A wrong key: Google's 400 with ErrorInfo API_KEY_INVALID is an auth failure, not a bad item.
    const key = new ApiError({
      status: 400,
      message: JSON.stringify({
        error: {
          code: 400,
          message: 'API key not valid.',
          status: 'INVALID_ARGUMENT',
          details: [{ reason: 'API_KEY_INVALID' }],
        },
      }),
    });
    expect(isAuthError(key)).toBe(true);
    expect(classifyProviderError(key)).toMatchObject({ kind: 'auth' });
    expect(isAuthError(bad)).toBe(false);

    const port = await freeClosedPort();
    const nowhere = new GeminiBatchProvider('gemini', { apiKey: 'k', baseURL: `http://127.0.0.1:${port}` });
    const refused = await nowhere.getBatch('batches/x').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GeminiConnectionError);
    expect(classifyProviderError(refused)).toMatchObject({ kind: 'connection', retryable: true });
    expect(isOutageError(refused)).toBe(true);
    expect(mayHaveReachedProvider(refused)).toBe(false);
  });
});

describe('against the simulator', () => {
  it('creates inline and file batches and reads their results by key', async () => {
    for (const inlineMaxBytes of [undefined, 100]) {
      const provider = new GeminiBatchProvider('simulator', { apiKey: 'k', baseURL: sim.url }, inlineMaxBytes);
      const batch = await provider.createBatch(requests(4), SCHEMA, 'run/0/1');
      expect(batch).toMatchObject({ status: 'validating', counts: { total: 4 } });
      const done = await ended(provider, batch.id);
      expect(done.status).toBe('completed');
      if (inlineMaxBytes) expect(done.outputFileId).toMatch(/^files\/batch-/);
      const results = (await collect(provider.readResults(done))) as Array<{ customId: string; ok: boolean }>;
      expect(results.map((r) => r.customId)).toEqual(['c0', 'c1', 'c2', 'c3']);
      expect(results.every((r) => r.ok)).toBe(true);
    }
    expect(sim.ledger()).toMatchObject({ batchesCreated: 2, requestsBilled: 8, doubleBilled: 0 });
  });

  it('finds a batch whose create answer was lost, by the key in its display name', async () => {
    const provider = new GeminiBatchProvider('simulator', { apiKey: 'k', baseURL: sim.url });
    const before = Date.now();
    sim.setProfile({ ...FAST, http: { lostResponseRate: 1 } });
    const lost = await provider.createBatch(requests(3), undefined, 'run/1/1').catch((e: unknown) => e);
    expect(mayHaveReachedProvider(lost)).toBe(true);
    sim.setProfile(FAST);
    await provider.createBatch(requests(2), undefined, 'run/2/1');
    const hint = { createdAfterMs: before, requests: 3, claimed: new Set<string>() };
    const found = await provider.findBatch('run/1/1', hint);
    expect(found).toMatchObject({ counts: { total: 3 }, metadata: { key: 'run/1/1' } });
    expect(await provider.findBatch('run/1/1', { ...hint, claimed: new Set([found?.id ?? '']) })).toBeUndefined();
    expect(await provider.findBatch('run/9/1', hint)).toBeUndefined();
    expect(sim.ledger().batchesCreated).toBe(2);
  });

  it('cancels (cancelling, then cancelled); a stalled batch stays validating', async () => {
    sim.setProfile({ ...FAST, batch: { validatingMs: 0, completionMs: 0, stallRate: 1 } });
    const provider = new GeminiBatchProvider('simulator', { apiKey: 'k', baseURL: sim.url });
    const batch = await provider.createBatch(requests(2), undefined, 'run/3/1');
    await sleep(20);
    expect((await provider.getBatch(batch.id)).status).toBe('validating');
    expect((await provider.cancelBatch(batch.id)).status).toBe('cancelled');
    expect(await collect(provider.readResults(await provider.getBatch(batch.id)))).toEqual([]);
  });

  it('answers the sync lane, and a 400 for a permanently bad item every time', async () => {
    sim.setProfile({ ...FAST, items: { permanentErrorRate: 1 } });
    const provider = new GeminiBatchProvider('simulator', { apiKey: 'k', baseURL: sim.url });
    for (let i = 0; i < 2; i++) {
      const error = await provider
        .callSync(
          {
            customId: 'x',
            request: { model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'q' }], maxTokens: 5 },
          },
          undefined,
        )
        .catch((e: unknown) => e);
      expect(classifyProviderError(error)).toMatchObject({ kind: 'invalid_request', retryable: false });
    }
    sim.setProfile(FAST);
    const answer = await provider.callSync(
      { customId: 'x', request: { model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'q' }], maxTokens: 5 } },
      undefined,
    );
    expect(answer).toMatchObject({ ok: true, content: 'Answer to: q' });
    expect(sim.ledger().byMode.sync.requestsBilled).toBe(1);
  });
});
