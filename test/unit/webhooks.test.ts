// Batch webhooks, both ends: the simulator signs events exactly as OpenAI does (the official SDK's
// `webhooks.unwrap` accepts them; a wrong secret, a tampered body or a stale timestamp is refused),
// sends one per batch end and retries a receiver that fails, a bounded number of times; the
// worker's handler refuses what does not verify before looking anything up, and ignores batches
// its store never submitted.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import OpenAI, { InvalidWebhookSignatureError, toFile } from 'openai';
import { ConfigError, loadConfig } from '../../common/config';
import {
  newWebhookSecret,
  parseProfile,
  ProfileError,
  startSimulator,
  webhookHeaders,
  type RunningSimulator,
} from '../../simulator';
import { chunkWorkflowId } from '../../workflows';
import { chunkWorkflowIdCandidates, createBatchWebhookHandler } from '../../workers/batch-webhooks';
import { structuredChatLines } from '../support/openai-batch-client';

const SCHEMA = { type: 'object', additionalProperties: false, required: ['a'], properties: { a: { type: 'string' } } };
const secret = newWebhookSecret();
const verifier = new OpenAI({ apiKey: 'unused', webhookSecret: secret });
const EVENT = JSON.stringify({
  id: 'evt_1',
  object: 'event',
  type: 'batch.completed',
  created_at: 1_700_000_000,
  data: { id: 'batch_abc' },
});

describe('signing', () => {
  it('is what the openai SDK accepts', async () => {
    const event = await verifier.webhooks.unwrap(EVENT, webhookHeaders(secret, 'wh_1', EVENT, Date.now()));
    expect(event).toMatchObject({ type: 'batch.completed', data: { id: 'batch_abc' } });
  });

  it('is refused with another secret, a tampered body, another webhook-id or a stale timestamp', async () => {
    const headers = webhookHeaders(secret, 'wh_1', EVENT, Date.now());
    const other = new OpenAI({ apiKey: 'unused', webhookSecret: newWebhookSecret() });
    await expect(other.webhooks.unwrap(EVENT, headers)).rejects.toThrow(InvalidWebhookSignatureError);
    const tampered = EVENT.replace('batch_abc', 'batch_xyz');
    await expect(verifier.webhooks.unwrap(tampered, headers)).rejects.toThrow(InvalidWebhookSignatureError);
    await expect(verifier.webhooks.unwrap(EVENT, { ...headers, 'webhook-id': 'wh_2' })).rejects.toThrow(
      InvalidWebhookSignatureError,
    );
    const stale = webhookHeaders(secret, 'wh_1', EVENT, Date.now() - 10 * 60_000);
    await expect(verifier.webhooks.unwrap(EVENT, stale)).rejects.toThrow('too old');
  });
});

describe('profile', () => {
  it('takes url and secret, and refuses a secret not shaped like OpenAI’s or an unknown knob', () => {
    const profile = parseProfile({ webhooks: { url: 'http://127.0.0.1:9/hook', secret } });
    expect(profile.webhooks).toEqual({ url: 'http://127.0.0.1:9/hook', secret, attempts: 5, retryMs: 250 });
    expect(() => parseProfile({ webhooks: { url: 'http://x/hook', secret: 'plain' } })).toThrow(ProfileError);
    expect(() => parseProfile({ webhooks: { url: 'ftp://x', secret } })).toThrow(ProfileError);
    expect(() => parseProfile({ webhooks: { url: 'http://x/h', secret, retries: 3 } })).toThrow(ProfileError);
  });
});

describe('config', () => {
  it('wants the secret whenever the endpoint is on', () => {
    expect(() => loadConfig({ LLMBATCH_WEBHOOK_PORT: '8090' })).toThrow(ConfigError);
    expect(loadConfig({ LLMBATCH_WEBHOOK_PORT: '8090', OPENAI_WEBHOOK_SECRET: secret }).webhooks).toEqual({
      host: '127.0.0.1',
      port: 8090,
      secret,
    });
    expect(loadConfig({}).webhooks).toBeUndefined();
    expect(() => loadConfig({ LLMBATCH_WEBHOOK_PORT: '99999', OPENAI_WEBHOOK_SECRET: secret })).toThrow(ConfigError);
  });
});

interface Received {
  body: string;
  headers: IncomingHttpHeaders;
}

/** A receiver that answers each POST with the next status of `statuses` (then 200) and keeps what it got. */
async function receiver(statuses: number[] = []): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      got.push({ body, headers: req.headers });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server };
}

const until = async (check: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the simulator sends them', () => {
  let sim: RunningSimulator | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await sim?.close();
    const open = server;
    if (open) await new Promise((r) => open.close(r));
  });

  async function createBatch(openai: OpenAI, lines = 3) {
    const file = await openai.files.create({
      file: await toFile(Buffer.from(structuredChatLines(lines, SCHEMA, 'w').join('\n')), 'in.jsonl'),
      purpose: 'batch',
    });
    return openai.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
  }

  it('once per batch end, without anyone polling, signed for the SDK; cancelled and failed ones too', async () => {
    const hook = await receiver();
    server = hook.server;
    sim = await startSimulator({
      profile: { batch: { validatingMs: 10, completionMs: 100 }, webhooks: { url: hook.url, secret } },
    });
    const openai = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sim', maxRetries: 0 });
    const done = await createBatch(openai);
    const cancelled = await createBatch(openai);
    await openai.batches.cancel(cancelled.id);
    await until(() => hook.got.length >= 2);
    sim.setProfile({ batch: { validatingMs: 10, failRate: 1 }, webhooks: { url: hook.url, secret } });
    const failed = await createBatch(openai);
    await until(() => hook.got.length >= 3);
    await new Promise((r) => setTimeout(r, 300)); // nothing more comes (one event per batch)

    const events = await Promise.all(
      hook.got.map(({ body, headers }) => verifier.webhooks.unwrap(body, headers as Record<string, string>)),
    );
    const byBatch = Object.fromEntries(events.map((e) => [(e as { data: { id: string } }).data.id, e]));
    expect(events).toHaveLength(3);
    expect(byBatch[done.id]).toMatchObject({ object: 'event', type: 'batch.completed' });
    expect(byBatch[cancelled.id]).toMatchObject({ type: 'batch.cancelled' });
    expect(byBatch[failed.id]).toMatchObject({ type: 'batch.failed' });
    const ended = sim.batchTimeline(done.id);
    expect(ended?.status).toBe('completed');
    expect(ended!.endedAtMs - ended!.createdAtMs).toBeGreaterThanOrEqual(110);
    expect(sim.webhookStats()).toEqual({ delivered: 3, failedAttempts: 0, gaveUp: 0 });
  });

  it('retries a failing receiver under the same webhook-id, and gives up after `attempts`', async () => {
    const hook = await receiver([500, 503, 200, 500, 500, 500]);
    server = hook.server;
    const webhooks = { url: hook.url, secret, attempts: 3, retryMs: 10 };
    sim = await startSimulator({ profile: { batch: { validatingMs: 0, completionMs: 0 }, webhooks } });
    const openai = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sim', maxRetries: 0 });
    await createBatch(openai);
    await until(() => sim!.webhookStats().delivered === 1);
    expect(new Set(hook.got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(hook.got).toHaveLength(3);
    await createBatch(openai);
    await until(() => sim!.webhookStats().gaveUp === 1);
    expect(hook.got).toHaveLength(6);
    expect(sim.webhookStats()).toEqual({ delivered: 1, failedAttempts: 5, gaveUp: 1 });
  });

  it('are not sent without `webhooks` in the profile', async () => {
    const hook = await receiver();
    server = hook.server;
    sim = await startSimulator({ profile: { batch: { validatingMs: 0, completionMs: 0 } } });
    const openai = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sim', maxRetries: 0 });
    const batch = await createBatch(openai);
    await until(() => sim!.batchTimeline(batch.id) !== undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(hook.got).toHaveLength(0);
  });
});

describe("the worker's handler", () => {
  // Never reached in these cases: the handler must refuse or ignore before it signals anything.
  const client = new Proxy({} as Client, {
    get() {
      throw new Error('the client was used');
    },
  });

  it('refuses what does not verify (400) without looking the batch up', async () => {
    const lookups: string[] = [];
    const handle = createBatchWebhookHandler({
      secret,
      client,
      store: { batches: { owner: async (id) => void lookups.push(id) } },
    });
    const headers = webhookHeaders(newWebhookSecret(), 'wh_1', EVENT, Date.now());
    expect(await handle(EVENT, headers)).toMatchObject({ status: 400 });
    const good = webhookHeaders(secret, 'wh_1', EVENT, Date.now());
    expect(await handle(EVENT.replace('abc', 'abd'), good)).toMatchObject({ status: 400 });
    expect(await handle(EVENT, {})).toMatchObject({ status: 400 });
    expect(lookups).toEqual([]);
  });

  it('acknowledges and ignores a batch its store never submitted, and other kinds of events', async () => {
    const lookups: string[] = [];
    const handle = createBatchWebhookHandler({
      secret,
      client,
      store: { batches: { owner: async (id) => void lookups.push(id) } },
    });
    const reply = await handle(EVENT, webhookHeaders(secret, 'wh_1', EVENT, Date.now()));
    expect(reply).toMatchObject({ status: 200, message: expect.stringContaining('not one of this store') });
    const other = EVENT.replace('batch.completed', 'response.completed');
    expect(await handle(other, webhookHeaders(secret, 'wh_2', other, Date.now()))).toMatchObject({ status: 200 });
    expect(lookups).toEqual(['batch_abc']);
  });

  it('derives the chunk workflow id the run gave it, the narrowest width first', () => {
    expect(chunkWorkflowIdCandidates('run', 7)[0]).toBe(chunkWorkflowId('run', 7, 12));
    expect(chunkWorkflowIdCandidates('run', 7)).toContain(chunkWorkflowId('run', 7, 4_000));
    expect(chunkWorkflowIdCandidates('run', 7)).toContain(chunkWorkflowId('run', 7, 200_000));
    expect(chunkWorkflowIdCandidates('run', 1234)[0]).toBe(chunkWorkflowId('run', 1234, 2_000));
  });
});
