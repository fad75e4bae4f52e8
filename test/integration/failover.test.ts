// Failover: an OpenAI outage that outlasts retry.failoverAfter moves the chunks whose batches
// OpenAI has not taken to the next entry of the spec's `failover` list (Claude, on the simulator's
// Anthropic wire). Chunks already in flight at OpenAI stay there and finish when it is back. Every
// item is answered once, by one provider, and billed once.
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { progressQuery } from '../../workflows';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';

describe('failover', () => {
  let h: Harness;
  const profile = { batch: { validatingMs: 20, completionMs: 300 } };
  beforeAll(async () => {
    h = await startHarness({
      profile,
      providerEnv: { breaker: { threshold: 3, initialOpenMs: 200, maxOpenMs: 1000 } },
    });
  });
  afterAll(async () => h?.close());

  it('moves pending chunks to Anthropic during an OpenAI outage: every item answered once, billed once', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 300);
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          chunkSize: 50,
          limits: { concurrentBatches: 2 },
          failover: [{ provider: 'simulator', model: 'claude-haiku-4-5' }],
          retry: { failoverAfter: '1s', strike2Delay: '10ms', strike3Delay: '10ms' },
        }),
      ),
    );
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-failover-${Date.now()}` });
    for (;;) {
      const p = await handle.query(progressQuery);
      if (p.chunks.done >= 1) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // OpenAI's paths fail for 6 s from now; Anthropic's keep working.
    h.simulator.setProfile({ ...profile, outages: [{ afterMs: 0, forMs: 6000, provider: 'openai' }] });
    const report = await handle.result();

    expect(report).toMatchObject({ items: 300, succeeded: 300, deadLettered: 0 });
    const results = readJsonl(report.files.results);
    expect(new Set(results.map((r) => r.id)).size).toBe(300);
    const byModel = (model: string) => results.filter((r) => r.model === model).length;
    console.log(
      `failover: ${byModel('gpt-4.1-mini')} answered by OpenAI (gpt-4.1-mini), ${byModel('claude-haiku-4-5')} by Anthropic (claude-haiku-4-5)`,
    );
    expect(byModel('gpt-4.1-mini')).toBeGreaterThanOrEqual(50);
    expect(byModel('claude-haiku-4-5')).toBeGreaterThanOrEqual(50);
    expect(byModel('gpt-4.1-mini') + byModel('claude-haiku-4-5')).toBe(300);
    const ledger = h.simulator.ledger();
    expect(ledger.doubleBilled).toBe(0);
    // No item billed by two providers: the two providers' bills add up to the items, once each.
    expect(ledger.byProvider.openai?.requestsBilled).toBe(byModel('gpt-4.1-mini'));
    expect(ledger.byProvider.anthropic?.requestsBilled).toBe(byModel('claude-haiku-4-5'));
    expect(ledger.requestsBilled).toBe(300);
    expect(report.byModel['claude-haiku-4-5']?.answers).toBe(byModel('claude-haiku-4-5'));
    expect(report.costUsd.actual).toBeCloseTo(ledger.costUsd, 6);
  }, 90_000);
});
