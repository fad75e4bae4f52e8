// Three ways a provider says no before doing any work, each seen through the official SDKs:
// batch.rejectRate refuses batch creates (400, nothing created or billed, seeded), outages with a
// chosen status and provider (401, 403, 429, any other status; one path family or all), and
// calls without an API key (401, as the real services answer them). The admin API needs no key
// and is never part of an outage.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { AzureOpenAI } from 'openai';
import { parseProfile, type ProfileInput, type RunningSimulator } from '../../simulator';
import { uploadJsonl } from '../support/openai-batch-client';
import { useSimulator } from '../support/simulator-clients';

const FAST = { batch: { validatingMs: 10, completionMs: 30 }, sync: { latencyMs: 0 } };
const MODEL = 'claude-haiku-4-5';

let sim: RunningSimulator;
let openai: OpenAI;
let anthropic: Anthropic;
let azure: AzureOpenAI;

useSimulator(FAST, (clients) => ({ sim, openai, anthropic, azure } = clients));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function chatLine(i: number, url = '/v1/chat/completions'): string {
  return JSON.stringify({
    custom_id: `c${i}`,
    method: 'POST',
    url,
    body: { model: 'gpt-4.1-nano', messages: [{ role: 'user', content: `item ${i}` }] },
  });
}

const createOpenAIBatch = (fileId: string) =>
  openai.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' });

const createMessageBatch = () =>
  anthropic.messages.batches.create({
    requests: [
      { custom_id: 'a', params: { model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] } },
    ],
  });

/** Calls `create` n times; true where the batch was created, false where it was refused with a 400. */
async function outcomes(n: number, create: () => Promise<unknown>): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const err = await create().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (err !== undefined) expect(err).toMatchObject({ status: 400 });
    out.push(err === undefined);
  }
  return out;
}

describe('batch.rejectRate', () => {
  test('1 refuses every create on every API with a 400 invalid_request_error; nothing is created or billed', async () => {
    sim.setProfile({ ...FAST, batch: { ...FAST.batch, rejectRate: 1 } });
    const fileId = await uploadJsonl(openai, [chatLine(1)]);

    const err = await createOpenAIBatch(fileId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'invalid_request' });
    expect((err as Error).message).toMatch(/refused: simulated rejection \(batch\.rejectRate\)/);

    const azureFile = await uploadJsonl(azure, [chatLine(1, '/chat/completions')]);
    await expect(
      azure.batches.create({
        input_file_id: azureFile,
        endpoint: '/chat/completions' as '/v1/chat/completions',
        completion_window: '24h',
      }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);

    const anthropicErr = await createMessageBatch().catch((e: unknown) => e);
    expect(anthropicErr).toBeInstanceOf(Anthropic.BadRequestError);
    expect((anthropicErr as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/batch\.rejectRate/) },
    });

    expect(sim.ledger()).toMatchObject({ batchesCreated: 0, requestsBilled: 0 });
    expect((await openai.batches.list()).data).toHaveLength(0);
    expect((await anthropic.messages.batches.list()).data).toHaveLength(0);
  });

  test('a bad create is still answered with its own validation error, not a rejection', async () => {
    sim.setProfile({ ...FAST, batch: { ...FAST.batch, rejectRate: 1 } });
    await expect(createOpenAIBatch('file-missing')).rejects.toMatchObject({ status: 404 });
  });

  test('0.5 with a fixed seed refuses some creates and accepts others, the same ones every run', async () => {
    const profile: ProfileInput = { ...FAST, seed: 1234, batch: { ...FAST.batch, rejectRate: 0.5 } };
    const run = async () => {
      sim.reset();
      sim.setProfile(profile);
      const fileId = await uploadJsonl(openai, [chatLine(1)]);
      const openaiRun = await outcomes(16, () => createOpenAIBatch(fileId));
      const anthropicRun = await outcomes(16, createMessageBatch);
      const created = [...openaiRun, ...anthropicRun].filter(Boolean).length;
      expect(sim.ledger().batchesCreated).toBe(created);
      return { openaiRun, anthropicRun };
    };
    const first = await run();
    for (const pattern of [first.openaiRun, first.anthropicRun]) {
      expect(pattern).toContain(true);
      expect(pattern).toContain(false);
    }
    expect(await run()).toEqual(first);
  });

  test('the profile refuses a rate outside 0..1', () => {
    expect(parseProfile({}).batch.rejectRate).toBe(0);
    expect(() => parseProfile({ batch: { rejectRate: 1.5 } })).toThrow(/rejectRate/);
  });
});

describe('outages with a status and a provider', () => {
  test('status 401: AuthenticationError from both SDKs (and Azure) for the window, then the key works again', async () => {
    sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 300, status: 401 }] });

    const openaiErr = await openai.batches.list().catch((e: unknown) => e);
    expect(openaiErr).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(openaiErr).toMatchObject({ status: 401, type: 'invalid_request_error', code: 'invalid_api_key' });
    expect((openaiErr as Error).message).toMatch(/Incorrect API key provided \(simulated outage\)/);

    const anthropicErr = await anthropic.messages.batches.list().catch((e: unknown) => e);
    expect(anthropicErr).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((anthropicErr as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });

    await expect(azure.files.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    // The admin API is exempt.
    expect((await fetch(`${sim.url}/_sim/ledger`)).status).toBe(200);

    await sleep(350);
    await expect(openai.batches.list()).resolves.toBeDefined();
    await expect(anthropic.messages.batches.list()).resolves.toBeDefined();
    await expect(azure.files.list()).resolves.toBeDefined();
  });

  test('status 403 is a permission error on every API', async () => {
    sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 60_000, status: 403 }] });
    await expect(openai.files.list()).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    await expect(azure.files.list()).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    const err = await anthropic.messages.batches.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((err as InstanceType<typeof Anthropic.PermissionDeniedError>).error).toMatchObject({
      error: { type: 'permission_error' },
    });
  });

  test('status 429 is a rate limit with a retry-after header', async () => {
    sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 800, status: 429 }] });
    const openaiErr = await openai.files.list().catch((e: unknown) => e);
    expect(openaiErr).toBeInstanceOf(OpenAI.RateLimitError);
    expect((openaiErr as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('1');
    const anthropicErr = await anthropic.messages.batches.list().catch((e: unknown) => e);
    expect(anthropicErr).toBeInstanceOf(Anthropic.RateLimitError);
    expect((anthropicErr as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('1');
    expect((anthropicErr as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({
      error: { type: 'rate_limit_error' },
    });
  });

  test('any other status is a generic error in that status', async () => {
    sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 60_000, status: 502 }] });
    const openaiErr = await openai.files.list().catch((e: unknown) => e);
    expect(openaiErr).toBeInstanceOf(OpenAI.InternalServerError);
    expect(openaiErr).toMatchObject({ status: 502, type: 'server_error' });
    const anthropicErr = await anthropic.messages.batches.list().catch((e: unknown) => e);
    expect(anthropicErr).toBeInstanceOf(Anthropic.InternalServerError);
    expect(anthropicErr).toMatchObject({ status: 502 });

    sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 60_000, status: 404 }] });
    await expect(openai.files.list()).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(anthropic.messages.batches.list()).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  test('without a status an outage stays a 503, or 529 overloaded on the Anthropic paths', async () => {
    sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 60_000 }] });
    await expect(openai.files.list()).rejects.toMatchObject({ status: 503 });
    await expect(anthropic.messages.batches.list()).rejects.toMatchObject({ status: 529 });
  });

  test('a provider-scoped outage hits only that path family', async () => {
    sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 60_000, provider: 'anthropic', status: 401 }] });
    await expect(anthropic.messages.batches.list()).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    await expect(openai.batches.list()).resolves.toBeDefined();
    await expect(azure.files.list()).resolves.toBeDefined();

    sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 60_000, provider: 'azure' }] });
    await expect(azure.files.list()).rejects.toMatchObject({ status: 503 });
    await expect(openai.files.list()).resolves.toBeDefined();
    await expect(anthropic.messages.batches.list()).resolves.toBeDefined();

    sim.setProfile({ ...FAST, outages: [{ afterMs: 0, forMs: 60_000, provider: 'openai', status: 403 }] });
    await expect(openai.files.list()).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    await expect(azure.files.list()).resolves.toBeDefined();
    await expect(anthropic.messages.batches.list()).resolves.toBeDefined();
  });

  test('the profile refuses an unknown provider or a status that is no error', () => {
    expect(() => parseProfile({ outages: [{ afterMs: 0, forMs: 1, provider: 'mistral' }] })).toThrow(/provider/);
    expect(() => parseProfile({ outages: [{ afterMs: 0, forMs: 1, status: 200 }] })).toThrow(/status/);
    expect(parseProfile({ outages: [{ afterMs: 0, forMs: 1, provider: 'azure', status: 401 }] }).outages).toEqual([
      { afterMs: 0, forMs: 1, provider: 'azure', status: 401 },
    ]);
  });
});

describe('API keys', () => {
  test('SDK clients with an empty key get a 401 AuthenticationError', async () => {
    const noKeyOpenAI = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: '', maxRetries: 0 });
    const err = await noKeyOpenAI.files.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as Error).message).toMatch(/didn't provide an API key/);

    const noKeyAnthropic = new Anthropic({ baseURL: sim.url, apiKey: '', maxRetries: 0 });
    const anthropicErr = await noKeyAnthropic.messages.batches.list().catch((e: unknown) => e);
    expect(anthropicErr).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((anthropicErr as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
    expect(sim.ledger().batchesCreated).toBe(0);
  });

  test('raw requests: each family looks for its own key header; the admin API needs none', async () => {
    const status = async (path: string, headers: Record<string, string> = {}) =>
      (await fetch(`${sim.url}${path}`, { headers })).status;
    const azurePath = '/openai/files?api-version=2024-10-21';

    expect(await status('/v1/files')).toBe(401);
    expect(await status('/v1/files', { authorization: 'Bearer ' })).toBe(401);
    expect(await status('/v1/files', { authorization: 'Basic abc' })).toBe(401);
    expect(await status('/v1/files', { 'x-api-key': 'k' })).toBe(401); // not where OpenAI looks
    expect(await status('/v1/files', { authorization: 'Bearer k' })).toBe(200);

    expect(await status('/v1/messages/batches')).toBe(401);
    expect(await status('/v1/messages/batches', { 'x-api-key': 'k' })).toBe(200);
    expect(await status('/v1/messages/batches', { authorization: 'Bearer k' })).toBe(200);

    expect(await status(azurePath)).toBe(401);
    expect(await status(azurePath, { 'api-key': 'k' })).toBe(200);
    expect(await status(azurePath, { authorization: 'Bearer token' })).toBe(200);

    expect(await status('/_sim/ledger')).toBe(200);
    expect(await status('/_sim/health')).toBe(200);

    const openaiBody = await (await fetch(`${sim.url}/v1/batches`)).json();
    expect(openaiBody).toMatchObject({ error: { type: 'invalid_request_error', message: expect.any(String) } });
    const anthropicBody = await (await fetch(`${sim.url}/v1/messages/batches`)).json();
    expect(anthropicBody).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  test('a keyless call draws no fault: the seeded http stream is the same with or without it', async () => {
    const profile: ProfileInput = { ...FAST, seed: 5, http: { errorRate: 0.5 } };
    const statuses = async (withKeyless: boolean) => {
      sim.reset();
      sim.setProfile(profile);
      const out: number[] = [];
      for (let i = 0; i < 12; i++) {
        if (withKeyless) expect((await fetch(`${sim.url}/v1/files`)).status).toBe(401);
        out.push((await fetch(`${sim.url}/v1/files`, { headers: { authorization: 'Bearer k' } })).status);
      }
      return out;
    };
    const plain = await statuses(false);
    expect(plain).toContain(500);
    expect(plain).toContain(200);
    expect(await statuses(true)).toEqual(plain);
  });
});
