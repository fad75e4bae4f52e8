// The simulator's embeddings, through the pipeline's own OpenAI adapter: batch files of
// `/v1/embeddings` lines and sync calls answer deterministic unit vectors of the model's length (or
// `dimensions`), usage is input only, and the ledger bills batch at half the sync price.
import { OpenAIBatchProvider } from '../../providers/openai/openai-batch';
import type { BatchRequest, ItemResult } from '../../providers';
import { costUsd, type EmbeddingRequest } from '../../common';
import { useSimulator, type SimulatorClients } from '../support/simulator-clients';

let c: SimulatorClients;
useSimulator({ batch: { validatingMs: 5, completionMs: 20 }, sync: { latencyMs: 0 } }, (clients) => (c = clients));

const provider = () => new OpenAIBatchProvider('simulator', { apiKey: 'sim', baseURL: `${c.sim.url}/v1` });
const embed = (input: string, model = 'text-embedding-3-small', dimensions?: number): EmbeddingRequest => ({
  kind: 'embedding',
  model,
  input,
  ...(dimensions ? { dimensions } : {}),
});

async function* requests(list: BatchRequest[]) {
  for (const r of list) yield r;
  await Promise.resolve();
}

async function runBatch(list: BatchRequest[]): Promise<Map<string, ItemResult>> {
  const p = provider();
  let batch = await p.createBatch(requests(list), undefined, `key-${Date.now()}-${Math.random()}`, {});
  while (!['completed', 'failed', 'expired', 'cancelled'].includes(batch.status)) {
    await new Promise((r) => setTimeout(r, 10));
    batch = await p.getBatch(batch.id);
  }
  expect(batch.status).toBe('completed');
  const results = new Map<string, ItemResult>();
  for await (const r of p.readResults(batch)) results.set(r.customId, r);
  return results;
}

const vectorOf = (r: ItemResult | undefined): number[] => {
  if (!r?.ok) throw new Error(`no answer: ${JSON.stringify(r)}`);
  return JSON.parse(r.content) as number[];
};

test('a batch of /v1/embeddings lines: vectors of the model length, the same text the same vector', async () => {
  const results = await runBatch([
    { customId: 'a', request: embed('the same text') },
    { customId: 'b', request: embed('another text') },
    { customId: 'c', request: embed('the same text') },
  ]);
  const [a, b, cc] = ['a', 'b', 'c'].map((id) => vectorOf(results.get(id)));
  expect(a).toHaveLength(1536);
  expect(a).toEqual(cc);
  expect(a).not.toEqual(b);
  expect(Math.hypot(...a)).toBeCloseTo(1, 4);
  expect(results.get('a')!.usage).toEqual({ inputTokens: expect.any(Number), outputTokens: 0 });

  const batch = (await c.openai.batches.list()).data[0];
  expect(batch.endpoint).toBe('/v1/embeddings');
  const ledger = c.sim.ledger();
  // The same body twice in one file is billed twice (the pipeline's dedup keeps it from happening).
  expect(ledger).toMatchObject({ requestsBilled: 3, outputTokens: 0, doubleBilled: 1 });
  expect(ledger.costUsd).toBeCloseTo(costUsd('text-embedding-3-small', 'batch', ledger.inputTokens, 0), 12);
});

test('-3-large answers 3072 dimensions, and `dimensions` shortens a vector', async () => {
  const large = await runBatch([{ customId: 'large', request: embed('text', 'text-embedding-3-large') }]);
  expect(vectorOf(large.get('large'))).toHaveLength(3072);
  const short = await runBatch([{ customId: 'short', request: embed('text', 'text-embedding-3-small', 64) }]);
  expect(vectorOf(short.get('short'))).toHaveLength(64);
});

test('a sync call answers the vector the batch gave for the same text, billed at the sync price', async () => {
  const batch = await runBatch([{ customId: 'x', request: embed('lane test', 'text-embedding-3-small', 32) }]);
  const batchCost = c.sim.ledger().costUsd;
  const sync = await provider().callSync(
    { customId: 'x', request: embed('lane test', 'text-embedding-3-small', 32) },
    undefined,
  );
  expect(vectorOf(sync)).toEqual(vectorOf(batch.get('x')));
  const ledger = c.sim.ledger();
  expect(ledger.byMode.sync.requestsBilled).toBe(1);
  expect(ledger.byMode.sync.costUsd).toBeCloseTo(2 * batchCost, 12);
  expect(ledger.doubleBilled).toBe(1); // the same body answered twice: what the ledger exists to catch
});

test('ada-002 refuses dimensions, as the API does', async () => {
  await expect(
    provider().callSync({ customId: 'y', request: embed('t', 'text-embedding-ada-002', 8) }, undefined),
  ).rejects.toMatchObject({
    status: 400,
    param: 'dimensions',
  });
  await expect(
    c.openai.embeddings.create({ model: 'text-embedding-3-small', input: 'x', dimensions: 4000 }),
  ).rejects.toMatchObject({ status: 400 });
  expect(c.sim.ledger().requestsBilled).toBe(0);
});
