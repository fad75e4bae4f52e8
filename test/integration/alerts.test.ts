// Alerts reach the spec's webhook (a local test server): more than 5% of items dead-lettered,
// and a batch still unfinished after poll.alertAfter. The run is findable by its LlmPhase.
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { startAlertSink, type AlertSink } from '../support/alert-sink';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';

describe('alerts', () => {
  let h: Harness;
  let webhook: AlertSink;
  beforeAll(async () => {
    // Slow batches (so the overdue alarm rings) and 20% permanent item failures (dead letters). The
    // dev server fires timers up to a second late, and a webhook ends the wait when the batch ends:
    // the batch must outlast alertAfter by more than that.
    h = await startHarness({
      profile: { batch: { validatingMs: 20, completionMs: 2500 }, items: { permanentErrorRate: 0.2 } },
    });
    webhook = await startAlertSink();
  });
  afterAll(async () => {
    await h?.close();
    await webhook?.close();
  });

  it('POSTs the dead-letter and overdue alerts and marks the run', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 200);
    const url = webhook.url;
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          alert: { webhook: url },
          poll: { initial: '50ms', max: '200ms', alertAfter: '300ms' },
          retry: { strike2Delay: '50ms', strike3Delay: '50ms', syncBackoff: '10ms' },
        }),
      ),
    );
    const runId = `it-alert-${Date.now()}`;
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId });
    const report = await handle.result();

    expect(report.deadLettered / report.items).toBeGreaterThan(0.05);
    const deadLetterAlert = webhook.received.find((a) => a.event === 'dead-letter-rate');
    expect(deadLetterAlert).toMatchObject({ runId, deadLettered: report.deadLettered, items: 200 });
    expect(String(deadLetterAlert?.message)).toContain('over the 5.0% alert rate');
    const overdue = webhook.received.filter((a) => a.event === 'batch-overdue');
    expect(overdue.length).toBeGreaterThan(0);
    expect(overdue[0]).toMatchObject({ runId, strike: 1, message: expect.stringMatching(/unfinished after 300 ms/) });

    const description = await handle.describe();
    expect(description.searchAttributes.LlmPhase).toEqual(['alert:dead-letters']);
  });

  it('POSTs budget-refused (not run-failed) when the budget refuses the run before anything is spent', async () => {
    writeTickets(join(h.dir, 'refused.jsonl'), 50);
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          name: 'refused',
          input: 'refused.jsonl',
          output: { dir: 'out-refused' },
          alert: { webhook: webhook.url },
          budget: { maxUsd: 0.00001 },
        }),
        'refused.yaml',
      ),
    );
    const runId = `it-alert-budget-${Date.now()}`;
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId });
    await expect(handle.result()).rejects.toThrow();

    const mine = webhook.received.filter((a) => a.runId === runId);
    expect(mine.map((a) => a.event)).toEqual(['budget-refused']);
    expect(mine[0]).toMatchObject({ maxUsd: 0.00001, message: expect.stringMatching(/exceeds budget\.maxUsd/) });
    expect(Number(mine[0].estimatedUsd)).toBeGreaterThan(0.00001);
  });
});
