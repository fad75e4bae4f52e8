// The same pipeline on the Gemini API's Batch Mode (the simulator's Gemini paths, spoken to by the
// official @google/genai SDK): provider `gemini` with its key and base URL, provider `simulator`
// with a Gemini model, permanent errors that stick to their items across runs, and failover to
// Gemini while OpenAI and Anthropic are both down.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { LABEL_SCHEMA, writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl, type DeadLetterLine } from '../support/run-files';

const FAST = { validatingMs: 20, completionMs: 100 };
const geminiSpec = (extra: Record<string, unknown> = {}) =>
  fastSpec({
    provider: 'gemini',
    model: 'gemini-2.5-flash',
    output: { dir: 'out', schema: 'label.schema.json' },
    ...extra,
  });

describe('Gemini batches', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      profile: { batch: FAST },
      providerEnv: (url) => ({
        geminiApiKey: 'sim',
        geminiBaseUrl: url,
        openaiApiKey: 'sim',
        openaiBaseUrl: `${url}/v1`,
        anthropicApiKey: 'sim',
        anthropicBaseUrl: url,
        breaker: { threshold: 3, initialOpenMs: 200, maxOpenMs: 1000 },
      }),
    });
    writeTickets(join(h.dir, 'tickets.jsonl'), 300);
    writeTickets(join(h.dir, 'tickets-1000.jsonl'), 1000);
    writeFileSync(join(h.dir, 'label.schema.json'), JSON.stringify(LABEL_SCHEMA));
  });
  afterAll(async () => h?.close());

  it('runs a spec with provider gemini: every line accounted for, priced, billed once', async () => {
    h.simulator.reset();
    const spec = loadSpec(h.writeSpec(geminiSpec()));
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-gemini-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ items: 300, succeeded: 300, deadLettered: 0, batches: 3 });
    const validate = new Ajv().compile(LABEL_SCHEMA);
    const results = readJsonl(report.files.results);
    for (const r of results) {
      expect(validate(r.parsed)).toBe(true);
      expect(r.provider).toBe('gemini');
    }
    expect(report.costUsd.actual).toBeGreaterThan(0);
    const ledger = h.simulator.ledger();
    expect(ledger).toMatchObject({ batchesCreated: 3, requestsBilled: 300, doubleBilled: 0 });
    expect(ledger.byProvider.gemini?.requestsBilled).toBe(300);
    expect(report.costUsd.actual).toBeCloseTo(ledger.costUsd, 6);
  });

  it('runs provider simulator with a Gemini model on the Gemini wire', async () => {
    h.simulator.reset();
    const spec = loadSpec(h.writeSpec(geminiSpec({ provider: 'simulator', model: 'gemini-2.0-flash' }), 'sim.yaml'));
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-gemini-sim-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ items: 300, succeeded: 300, deadLettered: 0 });
    const ledger = h.simulator.ledger();
    expect(ledger.byProvider.gemini?.requestsBilled).toBe(300);
    expect(ledger.byProvider.openai).toBeUndefined();
    expect(ledger.doubleBilled).toBe(0);
    expect(report.costUsd.actual).toBeGreaterThan(0);
  });

  it('creates each batch once although create responses get lost (the key in the display name)', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ seed: 5, batch: FAST, http: { lostResponseRate: 0.3 } });
    const spec = loadSpec(h.writeSpec(geminiSpec({ chunkSize: 50, limits: { concurrentBatches: 2 } }), 'lost.yaml'));
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-gemini-lost-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report.succeeded + report.deadLettered).toBe(300);
    const ledger = h.simulator.ledger();
    expect(ledger.doubleBilled).toBe(0);
    expect(ledger.batchesCreated).toBe(report.batches);
  });

  it('cancels a batch left PENDING at poll.startDeadline; its items go on and end answered', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: { ...FAST, stallRate: 1 } });
    const spec = loadSpec(
      h.writeSpec(
        geminiSpec({
          input: 'tickets.jsonl',
          chunkSize: 150,
          poll: { initial: '50ms', max: '200ms', startDeadline: '1s', deadline: '1m' },
          retry: { strike2Delay: '50ms', strike3Delay: '50ms', syncBackoff: '10ms' },
        }),
        'stalled.yaml',
      ),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-gemini-stalled-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ status: 'completed', items: 300, succeeded: 300, deadLettered: 0 });
    // Two chunks, a strike-1 and a strike-2 batch each that never left PENDING: four cancelled.
    expect(report.batchesStopped).toEqual({ deadline: 0, stalled: 4 });
    const ledger = h.simulator.ledger();
    expect(ledger).toMatchObject({ batchesCreated: 4, batchesCancelled: 4, doubleBilled: 0 });
    expect(ledger.byMode.sync.requestsBilled).toBe(300);
  }, 90_000);

  it('dead-letters the same items on a re-run (cache off), after one attempt each, with the provider reason', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ seed: 3, batch: FAST, items: { permanentErrorRate: 0.02 } });
    const spec = loadSpec(
      h.writeSpec(
        geminiSpec({
          input: 'tickets-1000.jsonl',
          chunkSize: 250,
          retry: { strike2Delay: '10ms', strike3Delay: '10ms' },
        }),
        'dlq.yaml',
      ),
    );
    const run = async (name: string) => {
      const report = await (
        await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-gemini-${name}-${Date.now()}` })
      ).result();
      expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
      return { report, dead: readJsonl(report.files.deadLetter) as unknown as DeadLetterLine[] };
    };
    const first = await run('dlq-1');
    expect(h.simulator.ledger().doubleBilled).toBe(0);
    // The re-run asks the same questions again on purpose: a fresh ledger, so that asking twice is
    // not counted as double billing. (Reset also reseeds: the permanent errors do not depend on it.)
    h.simulator.reset();
    const second = await run('dlq-2');
    const ids = (d: DeadLetterLine[]) => d.map((l) => l.id).sort();
    expect(first.dead.length).toBeGreaterThan(5);
    expect(first.dead.length).toBeLessThan(50);
    expect(ids(second.dead)).toEqual(ids(first.dead));
    for (const line of [...first.dead, ...second.dead]) {
      expect(line.retryable).toBe(false);
      expect(line.attempts).toHaveLength(1);
      expect(line.attempts[0].strike).toBe(1);
      expect(line.attempts[0].error).toContain('invalid argument');
      // The provider's own reason: INVALID_ARGUMENT, a 400, not retried.
      expect(line.reason).toMatch(/^invalid_request: 400 INVALID_ARGUMENT /);
    }
    expect(first.report.succeeded + first.dead.length).toBe(1000);
    expect(h.simulator.ledger().doubleBilled).toBe(0);
  });

  it('fails over to Gemini while OpenAI and Anthropic are both down: answered by Gemini, nothing billed twice', async () => {
    h.simulator.reset();
    h.simulator.setProfile({
      batch: FAST,
      outages: [
        { afterMs: 0, forMs: 60_000, provider: 'openai' },
        // Anthropic's own outage answer, 529 overloaded: a create refused so was not taken, so the
        // chunk moves on (it once counted as "may have been taken" and kept the chunk on Anthropic).
        { afterMs: 0, forMs: 60_000, provider: 'anthropic' },
      ],
    });
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          provider: 'openai',
          model: 'gpt-4.1-mini',
          output: { dir: 'out', schema: 'label.schema.json' },
          chunkSize: 100,
          failover: [
            { provider: 'anthropic', model: 'claude-haiku-4-5' },
            { provider: 'gemini', model: 'gemini-2.5-flash' },
          ],
          retry: { failoverAfter: '1s', strike2Delay: '10ms', strike3Delay: '10ms' },
        }),
        'failover.yaml',
      ),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-gemini-failover-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ items: 300, succeeded: 300, deadLettered: 0 });
    const results = readJsonl(report.files.results);
    expect(results.every((r) => r.model === 'gemini-2.5-flash')).toBe(true);
    const ledger = h.simulator.ledger();
    expect(ledger.doubleBilled).toBe(0);
    expect(ledger.byProvider.gemini?.requestsBilled).toBe(300);
    expect(ledger.byProvider.openai).toBeUndefined();
    expect(ledger.byProvider.anthropic).toBeUndefined();
    expect(ledger.requestsBilled).toBe(300);
    expect(report.costUsd.actual).toBeCloseTo(ledger.costUsd, 6);
  }, 120_000);
});
