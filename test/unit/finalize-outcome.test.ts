// What finalize writes about the items that did not make it: dead-letter attempts numbered by the
// strike the item was at (1 to 3, never the store's internal 9), and the run's dead letters counted
// once in the metrics, however many times finalize runs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFinalizeActivities, type FinalizeInput } from '../../activities/finalize/finalize';
import type { RunMetrics } from '../../activities/alerts/metrics';
import type { PlanSummary, RunReport } from '../../common';
import type { RunStore } from '../../store';
import { quietActivityEnvironment, registryOf, fakeProvider, testSpec, useTestStore } from '../support/fake-provider';
import { readJsonl } from '../support/run-files';

const body = (text: string) => ({
  model: 'gpt-4.1-mini',
  messages: [{ role: 'user' as const, content: text }],
  maxTokens: 10,
});
const plan = (lines: number): PlanSummary => ({
  lines,
  accepted: lines,
  rejected: 0,
  duplicates: 0,
  uniqueRequests: lines,
  cacheHits: 0,
  chunks: 1,
  estimatedTokens: { input: 0, output: { min: 0, likely: 0, max: 0 } },
  estimatedUsd: { min: 0, likely: 0, max: 0 },
  estimatedSyncUsd: { min: 0, likely: 0, max: 0 },
});

describe('finalize, for the items that failed', () => {
  let store: RunStore;
  useTestStore((s) => (store = s));

  const counted: Record<string, number> = {};
  let finalize: () => Promise<RunReport>;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmbatch-finalize-'));
    const input = join(dir, 'input.jsonl');
    writeFileSync(input, ['a', 'b', 'c'].map((id) => JSON.stringify({ id, subject: id })).join('\n') + '\n');
    const runId = `finalize-${Date.now()}`;
    await store.claimRun(runId, 'execution-1');
    await store.items.insert(runId, [
      { line: 1, itemId: 'a', dedupKey: 'ka' },
      { line: 2, itemId: 'b', dedupKey: 'kb' },
      { line: 3, itemId: 'c', dedupKey: 'kc' },
    ]);
    await store.items.insertRequests(
      runId,
      ['a', 'b', 'c'].map((id, i) => ({ dedupKey: `k${id}`, chunk: 0, firstLine: i + 1, itemId: id, body: body(id) })),
    );
    // a: cancelled while its strike 1 batch ran; b: failed strikes 1 and 2, cancelled waiting for strike 3;
    // c: failed strike 1, then its chunk failed for good.
    await store.results.recordFailures(
      runId,
      [
        { dedupKey: 'kb', strike: 1, kind: 'server_error', retryable: true, error: '500' },
        { dedupKey: 'kb', strike: 2, kind: 'server_error', retryable: true, error: '500' },
        { dedupKey: 'kc', strike: 1, kind: 'rate_limit', retryable: true, error: '429' },
      ],
      0,
    );
    await store.results.failPending(runId, 0, 'chunk_failed', 'batch create refused');

    const metrics = {
      deadLettered: (kind: string, n: number) => (counted[kind] = (counted[kind] ?? 0) + n),
      runFinished: () => undefined,
    } as unknown as RunMetrics;
    const { finalizeRun } = createFinalizeActivities({ store, providers: registryOf(fakeProvider()), metrics });
    const spec = testSpec({ inputPath: input, outputDir: join(dir, 'out'), template: { user: '{{subject}}' } });
    finalize = () =>
      quietActivityEnvironment().run<[FinalizeInput], RunReport, typeof finalizeRun>(finalizeRun, {
        runId,
        spec,
        plan: plan(3),
        startedAtMs: Date.now(),
      });
  });

  it("numbers dead-letter attempts by the strike the item was at, 1 to 3 (never the store's 9)", async () => {
    const report = await finalize();
    const strikes = Object.fromEntries(
      readJsonl(report.files.deadLetter).map((d) => [d.id, (d.attempts as { strike: number }[]).map((a) => a.strike)]),
    );
    expect(strikes).toEqual({ a: [1], b: [1, 2, 3], c: [1, 2] });
    expect(report.strikeFunnel).toEqual({ strike1: 3, strike2: 2, strike3: 1, deadLettered: 3 });
  });

  it('counts the dead letters in the metrics once when finalize runs again', async () => {
    expect(counted).toEqual({ chunk_failed: 3 });
    await finalize();
    expect(counted).toEqual({ chunk_failed: 3 });
  });
});

describe('finalize, for a run whose chunks failed over', () => {
  let store: RunStore;
  useTestStore((s) => (store = s));

  it('estimates the run at the price of the model that answered, the pre-flight figure beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmbatch-failover-'));
    const input = join(dir, 'input.jsonl');
    const ids = ['a', 'b', 'c', 'd'];
    writeFileSync(input, ids.map((id) => JSON.stringify({ id, subject: id })).join('\n') + '\n');
    const runId = `failover-estimate-${Date.now()}`;
    await store.claimRun(runId, 'execution-1');
    await store.items.insert(
      runId,
      ids.map((id, i) => ({ line: i + 1, itemId: id, dedupKey: `k${id}` })),
    );
    await store.items.insertRequests(
      runId,
      ids.map((id, i) => ({ dedupKey: `k${id}`, chunk: 0, firstLine: i + 1, itemId: id, body: body(id) })),
    );
    // Planned on gpt-4.1-mini; the outage moved the chunk to claude-haiku-4-5, which answered everything.
    await store.results.insert(
      runId,
      ids.map((id) => ({
        dedupKey: `k${id}`,
        output: 'x',
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        mode: 'batch' as const,
        strike: 1,
        inputTokens: 2875,
        outputTokens: 250,
        costUsd: (2875 * 0.5 + 250 * 2.5) / 1e6,
        syncCostUsd: (2875 * 1 + 250 * 5) / 1e6,
      })),
      0,
    );
    const spec = testSpec({
      inputPath: input,
      outputDir: join(dir, 'out'),
      failover: [{ provider: 'anthropic', model: 'claude-haiku-4-5' }],
    });
    const lane = {
      model: 'gpt-4.1-mini',
      mode: 'batch' as const,
      input: 10_000,
      output: { min: 4, likely: 1000, max: 4000 },
    };
    const preflight = (10_000 * 0.2 + 1000 * 0.8) / 1e6;
    const planned = {
      ...plan(4),
      lanes: [lane],
      estimatedUsd: { min: (10_000 * 0.2 + 4 * 0.8) / 1e6, likely: preflight, max: (10_000 * 0.2 + 4000 * 0.8) / 1e6 },
    };
    const { finalizeRun } = createFinalizeActivities({ store, providers: registryOf(fakeProvider()) });
    const report = await quietActivityEnvironment().run<[FinalizeInput], RunReport, typeof finalizeRun>(finalizeRun, {
      runId,
      spec,
      plan: planned,
      startedAtMs: Date.now(),
    });
    // Haiku batch: $0.50 in, $2.50 out per 1M; its tokenizer counts the prompt 15% longer.
    const asAnswered = (11_500 * 0.5 + 1000 * 2.5) / 1e6;
    expect(report.costUsd.estimated).toBeCloseTo(asAnswered, 6);
    expect(report.costUsd.estimatedPreflight).toBeCloseTo(preflight, 6);
    expect(Math.abs(report.costUsd.estimated - report.costUsd.actual) / report.costUsd.actual).toBeLessThan(0.01);
  });
});
