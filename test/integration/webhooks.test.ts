// Batch webhooks end to end: a real dev server, the simulator sending signed events, the worker's
// endpoint signalling the chunks. With a 30 s poll a run of two chunks would wait at least 30 s
// for its second look at each batch; the webhooks end each wait within moments, even when every
// event arrives twice. With the webhook URL refused, polling alone still finishes the run, and an
// event that does not verify is refused (400) and signals nothing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { newWebhookSecret, webhookHeaders } from '../../simulator';
import { chunkWorkflowId } from '../../workflows';
import { writeTickets } from '../support/datasets';
import { fastSpec, freeClosedPort, startHarness, type Harness } from '../support/harness';
import { until } from '../support/until';

const EventType = temporal.api.enums.v1.EventType;
const BATCH = { validatingMs: 20, completionMs: 300 };

/** Forwards every event to `target` twice over (a sender that delivers at least once, and then again). */
async function doublingProxy(target: () => string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => k.startsWith('webhook-') || k === 'content-type'),
      ) as Record<string, string>;
      const send = () => fetch(target(), { method: 'POST', headers, body });
      send()
        .then(async (first) => {
          await send();
          res.writeHead(first.status).end();
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/openai`, server };
}

async function chunkHistory(h: Harness, runId: string, chunk: number, chunks: number) {
  const history = await h.client.workflow.getHandle(chunkWorkflowId(runId, chunk, chunks)).fetchHistory();
  const events = history.events ?? [];
  return {
    events: events.length,
    signals: events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length,
  };
}

async function startTickets(h: Harness, name: string, poll: Record<string, string>) {
  writeTickets(join(h.dir, `${name}.jsonl`), 200);
  const spec = loadSpec(
    h.writeSpec(
      fastSpec({ input: `${name}.jsonl`, output: { dir: `out-${name}` }, chunkSize: 100, poll }),
      `${name}.yaml`,
    ),
  );
  const runId = `it-webhooks-${name}-${Date.now()}`;
  return { spec, runId, handle: await startRun(h.client, spec, { taskQueue: h.taskQueue, runId }) };
}

describe('batch webhooks', () => {
  let h: Harness | undefined;
  let proxy: Server | undefined;
  afterEach(async () => {
    await h?.close();
    const server = proxy;
    if (server) await new Promise((r) => (server.close(r), server.closeAllConnections()));
    h = undefined;
    proxy = undefined;
  });

  it('end the wait at once: a run with a 30 s poll finishes in seconds, every event delivered twice', async () => {
    const secret = newWebhookSecret();
    const doubling = await doublingProxy(() => h!.webhooks!.url);
    proxy = doubling.server;
    h = await startHarness({
      profile: { batch: BATCH, webhooks: { url: doubling.url, secret } },
      webhookSecret: secret,
    });
    const started = Date.now();
    const { spec, runId, handle } = await startTickets(h, 'fast', { initial: '30s', max: '30s' });
    const report = await handle.result();
    const wallMs = Date.now() - started;

    expect(report).toMatchObject({ status: 'completed', items: 200, succeeded: 200, batches: 2 });
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(h.simulator.ledger().doubleBilled).toBe(0);
    expect(wallMs).toBeLessThan(15_000);
    expect(h.simulator.webhookStats()).toMatchObject({ delivered: 2, gaveUp: 0 });
    for (const chunk of [0, 1]) {
      const history = await chunkHistory(h, runId, chunk, 2);
      // Told twice, the chunk looked once: the history stays small.
      expect(history.signals).toBeGreaterThanOrEqual(1);
      expect(history.signals).toBeLessThanOrEqual(2);
      expect(history.events).toBeLessThan(80);
    }
  });

  it('are a shortcut only: refused by the URL, polling finishes the run; a forged event signals nothing', async () => {
    const refused = `http://127.0.0.1:${await freeClosedPort()}/webhooks/openai`;
    const webhooks = { url: refused, secret: newWebhookSecret(), attempts: 2, retryMs: 50 };
    h = await startHarness({ profile: { batch: { ...BATCH, completionMs: 1500 }, webhooks } });
    const { spec, runId, handle } = await startTickets(h, 'refused', { initial: '1s', max: '1s' });

    // While chunk 0 waits on its batch, an event for it signed with the wrong secret is refused.
    const store = h.store!;
    let batchId: string | undefined;
    await until('chunk 0 submitted its batch', async () => {
      batchId = (await store.batches.get(runId, 0, 1))?.providerBatchId;
      return batchId !== undefined;
    });
    const body = JSON.stringify({
      id: 'evt_forged',
      object: 'event',
      type: 'batch.completed',
      created_at: Math.floor(Date.now() / 1000),
      data: { id: batchId },
    });
    const forged = await fetch(h.webhooks!.url, {
      method: 'POST',
      headers: webhookHeaders(newWebhookSecret(), 'wh_forged', body, Date.now()),
      body,
    });
    expect(forged.status).toBe(400);

    const report = await handle.result();
    expect(report).toMatchObject({ status: 'completed', items: 200, succeeded: 200 });
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(h.simulator.ledger().doubleBilled).toBe(0);
    expect(h.simulator.webhookStats()).toMatchObject({ delivered: 0, gaveUp: 2 });
    for (const chunk of [0, 1]) expect((await chunkHistory(h, runId, chunk, 2)).signals).toBe(0);
  });
});
