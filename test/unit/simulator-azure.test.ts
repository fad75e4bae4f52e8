// Azure OpenAI through the `AzureOpenAI` client of the openai package: its /openai paths with
// ?api-version=, deployments standing for models, the api-key header, the batch flow with Azure's
// unversioned endpoint, and the ledger keeping Azure apart from OpenAI.
import OpenAI, { AzureOpenAI, InternalServerError, NotFoundError, toFile } from 'openai';
import { costUsd } from '../../common/pricing';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { waitForBatch as waitUntilEnded } from '../support/openai-batch-client';

const FAST = { batch: { validatingMs: 10, completionMs: 30 }, sync: { latencyMs: 0 } };
const API_VERSION = '2024-10-21';

let sim: RunningSimulator;
let requests: Array<{ method: string; url: URL; apiKey: string | null }>;

/** Records what the client put on the wire, then sends it. */
const recording: typeof fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? String(input) : input.url);
  if (url.protocol.startsWith('http'))
    requests.push({ method: init?.method ?? 'GET', url, apiKey: new Headers(init?.headers).get('api-key') });
  return fetch(input, init);
};

function azure(opts: { deployment?: string } = {}): AzureOpenAI {
  return new AzureOpenAI({
    endpoint: sim.url,
    apiKey: 'azure-key',
    apiVersion: API_VERSION,
    maxRetries: 0,
    fetch: recording,
    ...opts,
  });
}

beforeAll(async () => {
  sim = await startSimulator({ profile: FAST });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.reset();
  sim.setProfile(FAST);
  requests = [];
});

const waitForBatch = (client: OpenAI, id: string) => waitUntilEnded(client, id, { pollMs: 5 });

test('chat completions go to the deployment, which stands for the model, with the api-key header', async () => {
  const completion = await azure().chat.completions.create({
    model: 'gpt-4.1-mini',
    messages: [{ role: 'user', content: 'hello Azure' }],
  });
  expect(completion.model).toBe('gpt-4.1-mini');
  expect(completion.choices[0].message.content).toBe('Answer to: hello Azure');
  expect(requests).toHaveLength(1);
  expect(requests[0].url.pathname).toBe('/openai/deployments/gpt-4.1-mini/chat/completions');
  expect(requests[0].url.searchParams.get('api-version')).toBe(API_VERSION);
  expect(requests[0].apiKey).toBe('azure-key');

  // A client bound to a deployment: the deployment decides the model, whatever the body says.
  const bound = azure({ deployment: 'gpt-4.1-nano' });
  const answer = await bound.chat.completions.create({ model: 'ignored', messages: [{ role: 'user', content: 'x' }] });
  expect(answer.model).toBe('gpt-4.1-nano');
  const vectors = await bound.embeddings.create({ model: 'ignored', input: ['a', 'b'] });
  expect(vectors.data).toHaveLength(2);
  expect(vectors.model).toBe('gpt-4.1-nano');

  const ledger = sim.ledger();
  expect(Object.keys(ledger.byProvider)).toEqual(['azure']);
  expect(ledger.byProvider.azure?.byModel['gpt-4.1-mini'].requestsBilled).toBe(1);
  const { usage } = completion;
  expect(ledger.byProvider.azure?.byModel['gpt-4.1-mini'].costUsd).toBeCloseTo(
    costUsd('gpt-4.1-mini', 'sync', usage!.prompt_tokens, usage!.completion_tokens),
    12,
  );
});

/** Uploads n chat requests (Azure's /chat/completions URL, no /v1) and creates their batch. */
async function createAzureBatch(client: ReturnType<typeof azure>, n: number) {
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      custom_id: `task-${i}`,
      method: 'POST',
      url: '/chat/completions',
      body: { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: `item ${i}` }] },
    }),
  );
  const file = await client.files.create({
    file: await toFile(Buffer.from(lines.join('\n')), 'azure.jsonl'),
    purpose: 'batch',
  });
  return client.batches.create({
    input_file_id: file.id,
    endpoint: '/chat/completions' as '/v1/chat/completions',
    completion_window: '24h',
  });
}

test('the batch flow: upload, create with /chat/completions, poll, download, under /openai', async () => {
  const client = azure();
  const created = await createAzureBatch(client, 5);
  expect(created.status).toBe('validating');
  const batch = await waitForBatch(client, created.id);
  expect(batch).toMatchObject({
    status: 'completed',
    model: 'gpt-4.1-mini',
    request_counts: { total: 5, completed: 5 },
  });
  const output = await (await client.files.content(batch.output_file_id!)).text();
  expect(output.trim().split('\n')).toHaveLength(5);
  expect((await client.batches.list()).data.map((b) => b.id)).toEqual([created.id]);
  await expect(client.batches.retrieve('batch_missing')).rejects.toBeInstanceOf(NotFoundError);

  const paths = new Set(requests.map((r) => `${r.method} ${r.url.pathname.replace(/(file|batch)[-_]\w+/, '{id}')}`));
  expect([...paths].sort()).toEqual(
    [
      'GET /openai/batches',
      'GET /openai/batches/{id}',
      'GET /openai/files/{id}/content',
      'POST /openai/batches',
      'POST /openai/files',
    ].sort(),
  );
  expect(requests.every((r) => r.url.searchParams.get('api-version') === API_VERSION && r.apiKey === 'azure-key')).toBe(
    true,
  );
  expect(sim.ledger().byProvider.azure).toMatchObject({ requestsBilled: 5 });
  expect(sim.ledger().byProvider.openai).toBeUndefined();
});

test('cancel under /openai: counted once in batchesCancelled, billed to azure for the processed part only', async () => {
  sim.setProfile({ ...FAST, batch: { validatingMs: 10, completionMs: 600 } });
  const client = azure();
  const n = 50;
  const created = await createAzureBatch(client, n);
  let batch = await client.batches.retrieve(created.id);
  while (batch.status === 'validating') batch = await client.batches.retrieve(created.id);
  await new Promise((resolve) => setTimeout(resolve, 150));

  const cancelling = await client.batches.cancel(created.id);
  expect(cancelling.status).toBe('cancelling');
  const processed = cancelling.request_counts!.completed;
  expect(processed).toBeGreaterThan(0);
  expect(processed).toBeLessThan(n);
  expect((await client.batches.cancel(created.id)).status).toMatch(/^cancell/);
  expect(requests.filter((r) => r.url.pathname === `/openai/batches/${created.id}/cancel`)).toHaveLength(2);
  expect(sim.ledger().batchesCancelled).toBe(1);

  batch = await waitForBatch(client, created.id);
  expect(batch.status).toBe('cancelled');
  expect(batch.request_counts).toEqual({ total: n, completed: processed, failed: n - processed });
  const output = (await (await client.files.content(batch.output_file_id!)).text()).trim().split('\n');
  expect(output).toHaveLength(processed);
  const ledger = sim.ledger();
  expect(ledger).toMatchObject({ batchesCreated: 1, batchesCancelled: 1, requestsBilled: processed });
  expect(ledger.byProvider.azure).toMatchObject({ requestsBilled: processed });
  expect(ledger.byProvider.azure?.inputTokens).toBe(batch.usage?.input_tokens);
  expect(ledger.byProvider.openai).toBeUndefined();
});

test('a client bound to a deployment creates batches under it; lines must name the batch endpoint', async () => {
  const client = azure({ deployment: 'gpt-4.1-mini' });
  const line = (url: string) =>
    JSON.stringify({
      custom_id: 'a',
      method: 'POST',
      url,
      body: { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'x' }] },
    });
  const upload = async (content: string) =>
    (await client.files.create({ file: await toFile(Buffer.from(content), 'in.jsonl'), purpose: 'batch' })).id;
  const ok = await client.batches.create({
    input_file_id: await upload(line('/chat/completions')),
    endpoint: '/chat/completions' as '/v1/chat/completions',
    completion_window: '24h',
  });
  expect(requests.at(-1)?.url.pathname).toBe('/openai/deployments/gpt-4.1-mini/batches');
  expect((await waitForBatch(client, ok.id)).status).toBe('completed');
  const mismatched = await client.batches.create({
    input_file_id: await upload(line('/v1/embeddings')),
    endpoint: '/chat/completions' as '/v1/chat/completions',
    completion_window: '24h',
  });
  const failed = await waitForBatch(client, mismatched.id);
  expect(failed.status).toBe('failed');
  expect(failed.errors?.data?.[0]).toMatchObject({ code: 'invalid_url', line: 1 });
});

test('without api-version the Azure paths are not found; faults apply to them too', async () => {
  const res = await fetch(`${sim.url}/openai/files`, { headers: { 'api-key': 'k' } });
  expect(res.status).toBe(404);
  expect(await res.json()).toMatchObject({ error: { code: '404', message: 'Resource not found' } });
  sim.setProfile({ ...FAST, http: { errorRate: 1 } });
  await expect(azure().files.list()).rejects.toBeInstanceOf(InternalServerError);
});
