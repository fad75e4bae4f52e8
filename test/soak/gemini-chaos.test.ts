// Issue 23's chaos acceptance on provider `gemini`: every fault the simulator can put on the Gemini
// wire at once (5xx, lost responses after commit, per-item errors, corrupt answers, failed,
// expired, refused and stalled batches, a sync rate limit, a Gemini outage) while the worker, in a
// process of its own, is SIGKILLed twice mid-run. No line lost, none duplicated, nothing billed
// twice, no batch created twice under one key, and the report's bill is the simulator's.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { GEMINI_API_VERSION, GEMINI_HTTP, parseDisplayName } from '../../providers';
import { GoogleGenAI } from '../../providers/google/genai';
import { LABEL_SCHEMA, writeTickets } from '../support/datasets';
import { ChaosWorkers } from '../support/chaos-kills';
import { startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';
import { CHAOS_PROFILE, chaosSpec, expectChaosGuarantees, expectDoubleBillingOwnedUp } from '../support/chaos';

const ITEMS = 1500;

const GEMINI_CHAOS_PROFILE = {
  ...CHAOS_PROFILE,
  // Gemini batches also get refused at create (a 400: the chunk dead-letters) and stall in PENDING
  // (cancelled at poll.startDeadline), on top of the failed and expired ones.
  batch: { ...CHAOS_PROFILE.batch, failRate: 0.1, rejectRate: 0.02, stallRate: 0.05 },
  http: { ...CHAOS_PROFILE.http, latencyMs: 2 },
  // Strike 3's generateContent calls meet 429s with retry-after.
  sync: { latencyMs: 5, rpm: 5, windowMs: 1000 },
  // The Gemini paths all answer 503 for a while, opening the worker's circuit breaker.
  outages: [{ afterMs: 8000, forMs: 1500, provider: 'gemini' as const }],
};

describe('the chaos run on gemini', () => {
  let h: Harness;
  let workers: ChaosWorkers;

  beforeAll(async () => {
    h = await startHarness({ inProcessWorker: false, profile: GEMINI_CHAOS_PROFILE });
    workers = new ChaosWorkers(h, { GEMINI_API_KEY: 'sim', GEMINI_BASE_URL: h.simulator.url });
  });
  afterAll(async () => {
    await workers?.killAll();
    await h?.close();
  });

  it('keeps every guarantee under every Gemini fault and two worker kills', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), ITEMS);
    writeFileSync(join(h.dir, 'label.schema.json'), JSON.stringify(LABEL_SCHEMA));
    const spec = loadSpec(
      h.writeSpec(
        chaosSpec({
          provider: 'gemini',
          model: 'gemini-2.5-flash',
          poll: { initial: '50ms', max: '200ms', startDeadline: '1500ms' },
        }),
      ),
    );
    // Killed once after the first answers are in, once half-way, with batches in flight both times.
    const { report, runId, tookMs, killedAt } = await workers.runWithKills(
      spec,
      `it-gemini-chaos-${Date.now()}`,
      [150, 700],
    );
    const ledger = h.simulator.ledger();
    const results = readJsonl(report.files.results);
    console.log(
      `gemini chaos: ${(tookMs / 1000).toFixed(1)} s, worker killed at ${killedAt.join(', ')} ms; ` +
        `results ${report.succeeded}, dead letters ${report.deadLettered}, batches ${report.batches} ` +
        `(stopped ${JSON.stringify(report.batchesStopped)}); ledger ${JSON.stringify({ ...ledger, byModel: undefined, byMode: undefined, byProvider: undefined })}; ` +
        `report actual $${report.costUsd.actual.toFixed(6)}, unconfirmed $${report.costUsd.unconfirmed.toFixed(6)}`,
    );

    // 0 lost: every input line is in exactly one file; 0 duplicated: no id answered twice.
    expectChaosGuarantees(report, spec.inputPath);
    expect(report.succeeded + report.deadLettered).toBe(ITEMS);
    expect(new Set(results.map((r) => r.id)).size).toBe(results.length);
    expect(results.every((r) => r.provider === 'gemini')).toBe(true);
    // The faults did strike: batches failed whole, stalled, and strike 3 met the rate limit.
    expect(ledger.batchesFailed).toBeGreaterThan(0);
    expect(report.batchesStopped.stalled).toBeGreaterThan(0);
    expect(ledger.rateLimited).toBeGreaterThan(0);
    expect(ledger.lostResponses.requestsBilled).toBeGreaterThan(0);
    // 0 double-billed, and everything billed was on the Gemini wire.
    expectDoubleBillingOwnedUp(ledger.doubleBilled, report);
    expect(ledger.byProvider.gemini?.requestsBilled).toBe(ledger.requestsBilled);

    // No batch created twice under one (run, chunk, strike[, attempt]) key, lost create responses and
    // kills notwithstanding: the keys ride in the display names. Listed with the faults off.
    h.simulator.setProfile({});
    const genai = new GoogleGenAI({
      apiKey: 'sim',
      apiVersion: GEMINI_API_VERSION,
      httpOptions: { baseUrl: h.simulator.url, ...GEMINI_HTTP },
    });
    const keys: string[] = [];
    for await (const job of await genai.batches.list({ config: { pageSize: 100 } })) {
      const key = parseDisplayName(job.displayName)?.key;
      if (key?.startsWith(runId)) keys.push(key);
    }
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(report.batches);
    expect(ledger.batchesCreated).toBe(report.batches);

    // The report's bill is the provider's: what it knows it spent plus what it could not confirm
    // (sync answers billed whose reply was lost) covers the ledger, and what it knows is the ledger
    // less those lost replies.
    expect(report.costUsd.actual + report.costUsd.unconfirmed).toBeGreaterThanOrEqual(ledger.costUsd - 2e-6);
    const seen = ledger.costUsd - ledger.lostResponses.costUsd;
    expect(Math.abs(report.costUsd.actual - seen) / ledger.costUsd).toBeLessThanOrEqual(0.001);
  }, 120_000);
});
