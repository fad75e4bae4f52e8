// Conformance: every response the simulator sends on the OpenAI paths we use, as the official SDK
// receives it, validates against the shared OpenAPI description (see simulator-openapi.ts for how
// the spec is compiled). The SDK's fetch is wrapped to record each exchange; the test drives every
// operation through the states a pipeline meets (batches validating to completed, failed, expired,
// cancelling and cancelled; errors 400, 404, 429, 500, 503) and then checks them all, plus the
// bodies inside batch output and error files against the spec's response schemas.
import OpenAI, { AzureOpenAI, toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { OpenApiValidator, recordingFetch, type Exchange, type Violation } from './simulator-openapi';
import {
  LABEL_SCORE_SCHEMA as SCHEMA,
  uploadJsonl,
  waitForBatch as waitUntilEnded,
} from '../support/openai-batch-client';

const BASE = { batch: { validatingMs: 30, completionMs: 120 }, sync: { latencyMs: 0 } };

let sim: RunningSimulator;
let validator: OpenApiValidator;

beforeAll(async () => {
  validator = new OpenApiValidator();
  sim = await startSimulator({ profile: BASE });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.reset();
  sim.setProfile(BASE);
});

function chatLine(i: number, extra: object = {}): string {
  return JSON.stringify({
    custom_id: `req-${i}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: `item ${i}` }], ...extra },
  });
}

/** Polls until the batch ends, returning every status seen on the way. */
async function follow(client: OpenAI, id: string): Promise<{ batch: Batch; seen: Set<string> }> {
  const seen = new Set<string>();
  const batch = await waitUntilEnded(client, id, { pollMs: 3, onStatus: (status) => seen.add(status) });
  return { batch, seen };
}

const upload = (client: OpenAI, lines: string[]) => uploadJsonl(client, lines, 'in.jsonl');

/** Validates every recorded exchange, and the bodies inside downloaded batch result files. */
function violationsOf(log: Exchange[]): Violation[] {
  const violations: Violation[] = [];
  for (const ex of log) {
    if (ex.method === 'GET' && /^\/files\/[^/]+\/content$/.test(ex.path) && ex.status === 200) {
      violations.push(...validator.check(ex.method, ex.path, ex.status, ex.text));
      violations.push(...resultFileViolations(ex.text));
      continue;
    }
    expect(ex.contentType).toMatch(/^application\/json/);
    violations.push(...validator.check(ex.method, ex.path, ex.status, decodeBase64Embeddings(JSON.parse(ex.text))));
  }
  return violations;
}

/**
 * `encoding_format: 'base64'` (what the openai SDK asks for by default) makes each embedding a
 * base64 string of little-endian float32s, a form the spec's Embedding schema does not describe:
 * decode it back to the float list the spec does describe before validating.
 */
function decodeBase64Embeddings(body: unknown): unknown {
  const data = (body as { object?: unknown; data?: Array<{ embedding?: unknown }> }).data;
  if ((body as { object?: unknown }).object !== 'list' || !Array.isArray(data)) return body;
  for (const item of data)
    if (typeof item.embedding === 'string') {
      const bytes = Buffer.from(item.embedding, 'base64');
      item.embedding = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    }
  return body;
}

/** A batch output or error file: each line's response body is what the sync endpoint would have sent. */
function resultFileViolations(text: string): Violation[] {
  const violations: Violation[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    const line = JSON.parse(raw) as { response: { status_code: number; body: { object?: string } } | null };
    if (!line.response) continue; // expired / cancelled before running: no response, only {code, message}
    const { status_code: status, body } = line.response;
    const name =
      status !== 200
        ? 'ErrorResponse'
        : body.object === 'list'
          ? 'CreateEmbeddingResponse'
          : 'CreateChatCompletionResponse';
    const validate = validator.component(name);
    if (!validate(body)) violations.push({ what: `batch result line (${name})`, errors: validate.errors ?? [] });
  }
  return violations;
}

function covered(log: Exchange[]): string[] {
  const keys = new Set<string>();
  for (const ex of log) {
    const op = validator.operation(ex.method, ex.path);
    keys.add(
      `${ex.method} ${op ? '' : '?'}${ex.path.replace(/\/(file|batch)[-_][A-Za-z0-9]+/g, '/{id}')} ${ex.status}`,
    );
  }
  return [...keys].sort();
}

test('files, batches in every state, chat completions, embeddings and errors all validate against the spec', async () => {
  const log: Exchange[] = [];
  const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sim', maxRetries: 0, fetch: recordingFetch(log) });

  // An empty listing, then files: upload, retrieve, list (with and without cursors), download, delete.
  await client.files.list();
  const fileId = await upload(client, [chatLine(0), chatLine(1)]);
  await upload(client, [chatLine(2)]);
  await client.files.retrieve(fileId);
  await client.files.list({ purpose: 'batch', limit: 1, order: 'asc' });
  await client.files.list({ after: fileId });
  await client.files.content(fileId).then((r) => r.text());

  // A batch that completes (validating -> in_progress -> finalizing -> completed), with structured
  // output, item failures of every kind and corrupt answers, so the output and error files have it all.
  sim.setProfile({ ...BASE, items: { retryableErrorRate: 0.2, permanentErrorRate: 0.1, corruptRate: 0.2 } });
  const schemaFormat = {
    response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema: SCHEMA } },
  };
  const lines = Array.from({ length: 40 }, (_, i) => chatLine(i, i % 2 ? schemaFormat : { max_tokens: 20 }));
  const created = await client.batches.create({
    input_file_id: await upload(client, lines),
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    metadata: { llmbatch_key: 'run/chunk-0/strike-1' },
  });
  const completed = await follow(client, created.id);
  completed.seen.add(created.status);
  expect(completed.batch.status).toBe('completed');
  expect([...completed.seen]).toEqual(expect.arrayContaining(['validating', 'in_progress', 'completed']));
  await client.files.content(completed.batch.output_file_id!).then((r) => r.text());
  await client.files.content(completed.batch.error_file_id!).then((r) => r.text());
  await client.files.retrieve(completed.batch.output_file_id!);
  sim.setProfile(BASE);

  // An embeddings batch and its output.
  const embedLine = (i: number) =>
    JSON.stringify({
      custom_id: `e${i}`,
      method: 'POST',
      url: '/v1/embeddings',
      body: { model: 'text-embedding-3-small', input: `text ${i}` },
    });
  const embedded = await follow(
    client,
    (
      await client.batches.create({
        input_file_id: await upload(client, [embedLine(1), embedLine(2)]),
        endpoint: '/v1/embeddings',
        completion_window: '24h',
      })
    ).id,
  );
  await client.files.content(embedded.batch.output_file_id!).then((r) => r.text());

  // A batch that fails validation (errors.data), one that expires, one cancelled mid-run.
  const failed = await follow(
    client,
    (
      await client.batches.create({
        input_file_id: await upload(client, [chatLine(1), chatLine(1)]),
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      })
    ).id,
  );
  expect(failed.batch.status).toBe('failed');
  sim.setProfile({ ...BASE, batch: { ...BASE.batch, expireRate: 1 } });
  const expired = await follow(
    client,
    (
      await client.batches.create({
        input_file_id: await upload(client, lines),
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      })
    ).id,
  );
  expect(expired.batch.status).toBe('expired');
  await client.files.content(expired.batch.error_file_id!).then((r) => r.text());
  sim.setProfile({ ...BASE, batch: { validatingMs: 10, completionMs: 300 } });
  const toCancel = await client.batches.create({
    input_file_id: await upload(client, lines),
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  while ((await client.batches.retrieve(toCancel.id)).status === 'validating');
  const cancelling = await client.batches.cancel(toCancel.id);
  expect(cancelling.status).toBe('cancelling');
  const cancelled = await follow(client, toCancel.id);
  expect(cancelled.batch.status).toBe('cancelled');
  sim.setProfile(BASE);

  await client.batches.list();
  await client.batches.list({ limit: 2, after: created.id });

  // Sync lanes.
  await client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hello' }] });
  await client.chat.completions.create({
    model: 'gpt-4.1-nano',
    messages: [{ role: 'user', content: 'structured' }],
    response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema: SCHEMA } },
  });
  await client.chat.completions.create({
    model: 'gpt-4.1-nano',
    messages: [{ role: 'user', content: 'json' }],
    response_format: { type: 'json_object' },
  });
  await client.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'], dimensions: 8 });
  await client.embeddings.create({ model: 'text-embedding-3-small', input: 'b64', encoding_format: 'base64' });

  // Errors: 400, 404, 429, 500, 503.
  const fails = (p: Promise<unknown>) => expect(p).rejects.toBeDefined();
  await fails(
    client.batches.create({
      input_file_id: fileId,
      endpoint: '/v1/chat/completions',
      completion_window: '48h' as '24h',
    }),
  );
  await fails(client.batches.retrieve('batch_missing'));
  await fails(client.batches.cancel(completed.batch.id));
  await fails(client.files.retrieve('file-missing'));
  await fails(client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [] }));
  sim.setProfile({ ...BASE, sync: { latencyMs: 0, rpm: 1 } });
  await client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'one' }] });
  await fails(client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'two' }] }));
  sim.setProfile({ ...BASE, http: { errorRate: 1 } });
  await fails(client.batches.list());
  sim.setProfile({ ...BASE, outages: [{ afterMs: 0, forMs: 60_000 }] });
  await fails(client.files.list());
  sim.setProfile(BASE);
  await client.files.delete(fileId);

  expect(violationsOf(log)).toEqual([]);
  expect(covered(log)).toEqual(
    expect.arrayContaining([
      'GET /files 200',
      'POST /files 200',
      'GET /files/{id} 200',
      'GET /files/{id} 404',
      'GET /files/{id}/content 200',
      'DELETE /files/{id} 200',
      'POST /batches 200',
      'POST /batches 400',
      'GET /batches 200',
      'GET /batches 500',
      'GET /batches/{id} 200',
      'GET /batches/{id} 404',
      'POST /batches/{id}/cancel 200',
      'POST /batches/{id}/cancel 400',
      'POST /chat/completions 200',
      'POST /chat/completions 400',
      'POST /chat/completions 429',
      'POST /embeddings 200',
      'GET /files 503',
    ]),
  );
});

test('Azure OpenAI responses validate against the same spec', async () => {
  const log: Exchange[] = [];
  const recorded = recordingFetch(log, '/openai');
  const azure = new AzureOpenAI({
    endpoint: sim.url,
    apiKey: 'azure',
    apiVersion: '2024-10-21',
    maxRetries: 0,
    fetch: recorded,
  });
  const line = JSON.stringify({
    custom_id: 'a1',
    method: 'POST',
    url: '/chat/completions',
    body: { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hello' }] },
  });
  const file = await azure.files.create({ file: await toFile(Buffer.from(line + '\n'), 'in.jsonl'), purpose: 'batch' });
  const batch = await azure.batches.create({
    input_file_id: file.id,
    endpoint: '/chat/completions' as '/v1/chat/completions',
    completion_window: '24h',
  });
  const done = await follow(azure, batch.id);
  await azure.files.content(done.batch.output_file_id!).then((r) => r.text());
  await azure.batches.list();
  await azure.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'sync' }] });
  await azure.embeddings.create({ model: 'text-embedding-3-small', input: 'vector' });
  await expect(azure.batches.retrieve('batch_missing')).rejects.toMatchObject({ status: 404 });

  // The deployment segment is Azure's routing; below it the operations are the spec's.
  for (const ex of log) ex.path = ex.path.replace(/^\/deployments\/[^/]+/, '');
  expect(violationsOf(log)).toEqual([]);
  expect(log.length).toBeGreaterThanOrEqual(8);
});

test('the validator refuses what the spec refuses', () => {
  const batch = {
    id: 'batch_1',
    object: 'batch',
    endpoint: '/v1/chat/completions',
    input_file_id: 'file-1',
    completion_window: '24h',
    status: 'completed',
    created_at: 1,
  };
  expect(validator.check('GET', '/batches/batch_1', 200, batch)).toEqual([]);
  expect(validator.check('GET', '/batches/batch_1', 200, { ...batch, status: 'done' })).not.toEqual([]);
  expect(validator.check('GET', '/batches/batch_1', 200, { ...batch, created_at: 1.5 })).not.toEqual([]);
  expect(validator.check('GET', '/batches/batch_1', 200, { ...batch, metadata: null })).toEqual([]);
  expect(validator.check('GET', '/batches/batch_1', 200, { ...batch, id: undefined })).not.toEqual([]);
  expect(validator.check('GET', '/files', 200, { object: 'list', data: [], has_more: false })).not.toEqual([]);
  expect(validator.check('GET', '/batches/x', 404, { error: { message: 'm', type: 't' } })).not.toEqual([]);
  expect(
    validator.check('GET', '/batches/x', 404, { error: { message: 'm', type: 't', param: null, code: null } }),
  ).toEqual([]);
  expect(validator.check('GET', '/nowhere', 200, {})).not.toEqual([]);
  // An OpenAPI 3.0 `nullable: true` left in the spec is honoured: CreateChatCompletionRequest.seed.
  const request = validator.component('CreateChatCompletionRequest');
  expect(request({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }], seed: null })).toBe(true);
  expect(request({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }], seed: 'seven' })).toBe(false);
});
