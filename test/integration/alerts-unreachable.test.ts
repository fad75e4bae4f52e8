// Alerts never hold a run: with a webhook that cannot be reached, or that answers 503, the
// dead-letter and batch-overdue alerts give up after a few attempts and the run completes within
// a minute of its last chunk.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { writeTickets } from '../support/datasets';
import { followRun } from '../support/follow-run';
import { fastSpec, freeClosedPort, startHarness, type Harness } from '../support/harness';

describe('alerts to a webhook that does not answer', () => {
  let h: Harness;
  let failing: Server;
  let calls = 0;
  beforeAll(async () => {
    // Slow batches (the overdue alarm rings) and 20% permanent item failures (the dead-letter alert).
    h = await startHarness({
      profile: { batch: { validatingMs: 20, completionMs: 800 }, items: { permanentErrorRate: 0.2 } },
    });
    failing = createServer((req, res) => {
      calls++;
      req.resume();
      res.writeHead(503).end('down');
    });
    await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((r) => failing.close(r));
  });

  it.each([
    ['unreachable', async () => `http://127.0.0.1:${await freeClosedPort()}/hook`],
    ['answering 503', async () => `http://127.0.0.1:${(failing.address() as AddressInfo).port}/hook`],
  ])('%s: the run completes within a minute of its last chunk', async (name, webhookUrl) => {
    const slug = name.replace(/\W/g, '-');
    writeTickets(join(h.dir, `${slug}.jsonl`), 200);
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          input: `${slug}.jsonl`,
          output: { dir: `out-${slug}` },
          alert: { webhook: await webhookUrl() },
          poll: { initial: '50ms', max: '200ms', alertAfter: '300ms' },
          retry: { strike2Delay: '50ms', strike3Delay: '50ms', syncBackoff: '10ms' },
        }),
        `${slug}.yaml`,
      ),
    );
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-alert-${slug}-${Date.now()}` });
    let lastChunkAt = Date.now();
    const report = await followRun(handle, (p) => {
      if (p.chunks.total > 0 && p.chunks.done < p.chunks.total) lastChunkAt = Date.now();
    });
    expect(Date.now() - lastChunkAt).toBeLessThan(60_000);
    expect(report.status).toBe('completed');
    expect(report.deadLettered / report.items).toBeGreaterThan(0.05);
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    const description = await handle.describe();
    expect(description.searchAttributes.LlmPhase).toEqual(['alert:dead-letters']);
  });

  it('tried the 503 webhook a few times for each alert, not for ever', () => {
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(3 * 20);
  });
});
