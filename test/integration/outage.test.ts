// A whole-provider outage longer than the poll cap: the run waits, recovers and completes, and
// the circuit breaker's log shows it opened and closed.
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { progressQuery } from '../../workflows';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';

describe('a provider outage', () => {
  let h: Harness;
  const breakerLog: string[] = [];
  const profile = { batch: { validatingMs: 20, completionMs: 150 } };
  beforeAll(async () => {
    h = await startHarness({
      profile,
      providerEnv: { breaker: { threshold: 3, initialOpenMs: 300, maxOpenMs: 1500 }, log: (m) => breakerLog.push(m) },
    });
  });
  afterAll(async () => h?.close());

  it('waits it out and completes, with the breaker opening and closing', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 600);
    const spec = loadSpec(h.writeSpec(fastSpec({ chunkSize: 100, limits: { concurrentBatches: 3 } })));
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-outage-${Date.now()}` });
    for (;;) {
      const p = await handle.query(progressQuery);
      if (p.chunks.done >= 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // From now on, every call fails for 4 s: far longer than the 200 ms poll cap.
    const outageStart = Date.now();
    h.simulator.setProfile({ ...profile, outages: [{ afterMs: 0, forMs: 4000 }] });
    const report = await handle.result();

    expect(Date.now() - outageStart).toBeGreaterThan(4000);
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ items: 600, succeeded: 600, deadLettered: 0 });
    expect(h.simulator.ledger().doubleBilled).toBe(0);
    const opened = breakerLog.findIndex((l) =>
      /circuit for provider simulator opened \(outage\) after \d+ consecutive failures/.test(l),
    );
    const closed = breakerLog.findIndex(
      (l) => l === 'circuit for provider simulator closed: the provider answers again',
    );
    expect(opened).toBeGreaterThanOrEqual(0);
    expect(closed).toBeGreaterThan(opened);
  });
});
