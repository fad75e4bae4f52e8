// A batch the provider never starts (the simulator's batch.stallRate: it stays `validating`, as
// Gemini batches are reported to sit in PENDING for a day): at poll.startDeadline the chunk
// cancels it, and its items go on. Without a failover chain they go to the next strikes (a new
// batch, which stalls too, then sync calls); with one, the next strike's batch goes to the next
// provider. Either way every item ends answered, once, and nothing is billed twice.
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { startAlertSink, type AlertSink } from '../support/alert-sink';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';
import { until } from '../support/until';

describe('a batch the provider does not start', () => {
  let h: Harness;
  let sink: AlertSink;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 200, stallRate: 1 } } });
    sink = await startAlertSink();
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
  });

  const specWith = (extra: Record<string, unknown>) =>
    loadSpec(
      h.writeSpec(
        fastSpec({
          chunkSize: 100,
          alert: { webhook: sink.url },
          poll: { initial: '50ms', max: '200ms', startDeadline: '1s', deadline: '1m' },
          retry: { strike2Delay: '50ms', strike3Delay: '50ms', syncBackoff: '10ms' },
          ...extra,
        }),
      ),
    );

  it('is cancelled at poll.startDeadline; its items go on to later strikes and end answered', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 200);
    const spec = specWith({});
    expect(spec.poll).toMatchObject({ startDeadlineMs: 1000, deadlineMs: 60_000 });
    const before = h.simulator.ledger();
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-stalled-${Date.now()}` })
    ).result();

    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ status: 'completed', items: 200, succeeded: 200, deadLettered: 0 });
    // Two chunks, each with a strike-1 and a strike-2 batch that never started: four cancelled.
    expect(report.batchesStopped).toEqual({ deadline: 0, stalled: 4 });
    const ledger = h.simulator.ledger();
    expect(ledger.batchesCreated - before.batchesCreated).toBe(4);
    expect(ledger.batchesCancelled - before.batchesCancelled).toBe(4);
    expect(ledger.doubleBilled).toBe(0);
    // Nothing ran in a batch that never started: the sync calls of strike 3 answered every item, once.
    const results = readJsonl(report.files.results);
    expect(results.every((r) => r.strike === 3)).toBe(true);
    expect(new Set(results.map((r) => r.id)).size).toBe(200);
    expect(ledger.requestsBilled - before.requestsBilled).toBe(200);
    expect(ledger.byMode.batch.requestsBilled - before.byMode.batch.requestsBilled).toBe(0);

    const { rows } = await h.store!.sql.query<{ kind: string; retryable: boolean; error: string }>(
      'select kind, retryable, error from failures where run_id = $1',
      [report.runId],
    );
    expect(rows).toHaveLength(400);
    for (const row of rows)
      expect(row).toMatchObject({
        kind: 'cancelled',
        retryable: true,
        error: expect.stringMatching(/^batch not started within poll\.startDeadline \(1s\): /),
      });
    const stalled = sink.received.filter((a) => a.event === 'batch-stalled' && a.runId === report.runId);
    expect(stalled).toHaveLength(4);
    expect(String(stalled[0].message)).toMatch(
      /had not started after poll\.startDeadline \(1s\): cancelled; what it answered is kept, the rest goes on to strike/,
    );
  }, 90_000);

  it('sends the next strike to the next provider of the failover chain', async () => {
    writeTickets(join(h.dir, 'tickets-failover.jsonl'), 100);
    const spec = specWith({
      input: 'tickets-failover.jsonl',
      output: { dir: 'out-failover' },
      failover: [{ provider: 'simulator', model: 'claude-haiku-4-5' }],
    });
    const before = h.simulator.ledger();
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-stalled-failover-${Date.now()}` })
    ).result();

    expect(report).toMatchObject({ status: 'completed', items: 100, succeeded: 100, deadLettered: 0 });
    expect(report.batchesStopped).toEqual({ deadline: 0, stalled: 1 });
    // Anthropic's batches never stall: its strike-2 batch answered every item.
    const results = readJsonl(report.files.results);
    expect(results.every((r) => r.model === 'claude-haiku-4-5' && r.strike === 2)).toBe(true);
    const ledger = h.simulator.ledger();
    expect(ledger.doubleBilled).toBe(0);
    expect(
      (ledger.byProvider.anthropic?.requestsBilled ?? 0) - (before.byProvider.anthropic?.requestsBilled ?? 0),
    ).toBe(100);
    expect(ledger.requestsBilled - before.requestsBilled).toBe(100);
    const moved = sink.received.filter((a) => a.event === 'failover' && a.runId === report.runId);
    expect(moved).toHaveLength(1);
    expect(String(moved[0].message)).toMatch(/had not started after poll\.startDeadline \(1s\)/);
  }, 90_000);

  it('is cancelled although the look at its start deadline fails: it looks again', async () => {
    writeTickets(join(h.dir, 'tickets-outage.jsonl'), 100);
    const spec = specWith({ input: 'tickets-outage.jsonl', output: { dir: 'out-outage' } });
    // A fresh ledger: the tests above asked for the same tickets, which is not billing them twice.
    h.simulator.reset();
    h.simulator.setProfile({ batch: { validatingMs: 20, completionMs: 200, stallRate: 1 } });
    const before = h.simulator.ledger();
    const started = Date.now();
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-stalled-look-${Date.now()}` });
    // As soon as the batch exists, the provider goes down for longer than the start deadline is away.
    await until('the strike-1 batch', () => h.simulator.ledger().batchesCreated > before.batchesCreated, 20_000);
    h.simulator.setProfile({
      batch: { validatingMs: 20, completionMs: 200, stallRate: 1 },
      outages: [{ afterMs: 0, forMs: 2500, provider: 'openai' }],
    });
    const report = await handle.result();

    expect(report).toMatchObject({ status: 'completed', items: 100, succeeded: 100, deadLettered: 0 });
    // Stopped as stalled, both strikes, seconds after the outage: not waited on until poll.deadline (1m).
    expect(report.batchesStopped).toEqual({ deadline: 0, stalled: 2 });
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(h.simulator.ledger().doubleBilled).toBe(0);
  }, 90_000);
});
