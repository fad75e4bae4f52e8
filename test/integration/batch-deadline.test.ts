// A batch past our own deadline (poll.deadline): the simulator's batches would take 15 s, the spec's
// deadline is 2 s. Each chunk cancels its strike-1 batch at the deadline and keeps what it answered
// by then, does the same with its strike-2 batch, and answers the rest through sync calls (strike 3).
// The run completes with every line accounted for and nothing billed twice.
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { startAlertSink, type AlertSink } from '../support/alert-sink';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';

describe('a batch past its deadline', () => {
  let h: Harness;
  let webhook: AlertSink;
  beforeAll(async () => {
    // Progress is linear over completionMs, so a batch cancelled 2-3 s in has answered 13-20% of it;
    // 15 s leaves room for a dev-server timer that fires a second late, and still ends the batch
    // long after the deadline.
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 15_000 } } });
    webhook = await startAlertSink();
  });
  afterAll(async () => {
    await h?.close();
    await webhook?.close();
  });

  it('is cancelled and salvaged; the rest goes on to later strikes and the run completes accounted for', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 200);
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          alert: { webhook: webhook.url },
          poll: { initial: '50ms', max: '200ms', deadline: '2s' },
          retry: { strike2Delay: '50ms', strike3Delay: '50ms', syncBackoff: '10ms' },
        }),
      ),
    );
    expect(spec.poll).toMatchObject({ deadlineMs: 2000, alertAfterMs: 1666 });
    const started = Date.now();
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-deadline-${Date.now()}` });
    const report = await handle.result();

    // Far sooner than one batch would have taken to complete (15 s each, two strikes).
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ status: 'completed', items: 200, succeeded: 200, deadLettered: 0, rejected: 0 });

    // Two chunks, each with a strike-1 and a strike-2 batch, all four cancelled at their deadline.
    const ledger = h.simulator.ledger();
    expect(ledger).toMatchObject({ batchesCreated: 4, batchesCancelled: 4, doubleBilled: 0 });
    expect(report.batches).toBe(4);

    const results = readJsonl(report.files.results);
    const byStrike = (strike: number) => results.filter((r) => r.strike === strike).length;
    // Salvaged: answers from the cancelled batches are results, of strike 1 and of strike 2...
    expect(byStrike(1)).toBeGreaterThan(0);
    expect(byStrike(2)).toBeGreaterThan(0);
    // ...the rest answered by sync calls, and every item exactly once.
    expect(byStrike(3)).toBeGreaterThan(0);
    expect(byStrike(1) + byStrike(2) + byStrike(3)).toBe(200);
    expect(new Set(results.map((r) => r.id)).size).toBe(200);
    // What the cancelled batches answered is what they billed; the sync calls billed the rest.
    expect(ledger.byMode.batch.requestsBilled).toBe(byStrike(1) + byStrike(2));
    expect(ledger.byMode.sync.requestsBilled).toBe(byStrike(3));
    expect(ledger.requestsBilled).toBe(200);

    // The items the cancelled batches did not run failed retryably, saying why.
    const { rows } = await h.store!.sql.query<{ strike: number; kind: string; retryable: boolean; error: string }>(
      'select strike, kind, retryable, error from failures where run_id = $1',
      [report.runId],
    );
    expect(rows.filter((r) => r.strike === 1)).toHaveLength(200 - byStrike(1));
    expect(rows.filter((r) => r.strike === 2)).toHaveLength(200 - byStrike(1) - byStrike(2));
    for (const row of rows) {
      expect(row).toMatchObject({
        kind: 'cancelled',
        retryable: true,
        error: expect.stringMatching(/^batch deadline \(2s\) passed: /),
      });
    }

    const deadlines = webhook.received.filter((a) => a.event === 'batch-deadline');
    expect(deadlines).toHaveLength(4);
    expect(deadlines.map((a) => a.strike).sort()).toEqual([1, 1, 2, 2]);
    for (const alert of deadlines) {
      expect(String(alert.message)).toMatch(
        /was unfinished after poll\.deadline \(2s\): cancelled; what it answered is kept/,
      );
    }
  });
});
