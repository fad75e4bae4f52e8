// Our Prometheus metrics (activities/alerts/metrics.ts): what the activities count, once per stored item,
// with labels that never carry a run id, and the batches in flight read from the store's slots.
import { createCollectActivities } from '../../activities/batch/collect';
import { createRunMetrics, recordStored, slotKeyLabels, type RunMetrics } from '../../activities/alerts/metrics';
import type { ItemResult } from '../../providers';
import type { RunStore } from '../../store';
import * as fake from '../support/fake-provider';

let store: RunStore;
fake.useTestStore((opened) => (store = opened));

/** The value of one series, 0 when it does not exist yet. */
async function value(metrics: RunMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
  return match.reduce((sum, v) => sum + v.value, 0);
}

describe('metric recording', () => {
  it('counts a stored page: answers, failures by kind, spend of both, 429s in a batch', async () => {
    const metrics = createRunMetrics();
    const lane = { provider: 'openai', model: 'gpt-4.1-mini', mode: 'batch' } as const;
    recordStored(metrics, lane, {
      results: [{ costUsd: 0.01 }, { costUsd: 0.02 }],
      failures: [
        { kind: 'rate_limited', retryable: true },
        { kind: 'rate_limited', retryable: true },
        { kind: 'schema_violation', retryable: true, costUsd: 0.005 },
        { kind: 'invalid_request', retryable: false },
      ],
    });
    expect(await value(metrics, 'llmbatch_items_succeeded_total', { mode: 'batch' })).toBe(2);
    expect(await value(metrics, 'llmbatch_items_failed_total', { kind: 'rate_limited', retryable: 'true' })).toBe(2);
    expect(await value(metrics, 'llmbatch_items_failed_total', { kind: 'invalid_request', retryable: 'false' })).toBe(
      1,
    );
    expect(await value(metrics, 'llmbatch_spend_usd_total', { provider: 'openai' })).toBeCloseTo(0.035, 10);
    expect(await value(metrics, 'llmbatch_rate_limited_total', { where: 'batch_item' })).toBe(2);
    // A sync round's 429s are counted per call, as they come: its stored failures add none.
    recordStored(
      metrics,
      { ...lane, mode: 'sync' },
      { results: [], failures: [{ kind: 'rate_limited', retryable: true }] },
    );
    expect(await value(metrics, 'llmbatch_rate_limited_total')).toBe(2);
  });

  it('keeps run ids out of every label', async () => {
    const metrics = createRunMetrics();
    recordStored(
      metrics,
      { provider: 'anthropic', model: 'claude-haiku-4-5', mode: 'sync' },
      {
        results: [{ costUsd: 0.001 }],
        failures: [],
      },
    );
    metrics.batchSubmitted('anthropic', 'claude-haiku-4-5');
    metrics.alert('dead-letter-rate');
    const labelNames = new Set(
      (await metrics.registry.getMetricsAsJSON()).flatMap((m) => m.values.flatMap((v) => Object.keys(v.labels))),
    );
    expect([...labelNames].sort()).toEqual(['kind', 'mode', 'model', 'provider']);
  });

  it('reads provider and model from a batch slot key, colons in the model included', () => {
    expect(slotKeyLabels('batch:openai:ft:gpt-4.1-mini:acme:abc123')).toEqual({
      provider: 'openai',
      model: 'ft:gpt-4.1-mini:acme:abc123',
    });
  });

  it('reads the batches in flight from the store at each scrape', async () => {
    const metrics = createRunMetrics({ batchesInFlight: () => store.batchSlots.inFlight() });
    const claim = { runId: 'gauge', strike: 1, tokens: 1, maxBatches: 0, maxTokens: 0 };
    await store.batchSlots.take({ ...claim, key: 'batch:openai:gpt-4.1-mini', chunk: 0 });
    await store.batchSlots.take({ ...claim, key: 'batch:openai:gpt-4.1-mini', chunk: 1 });
    await store.batchSlots.take({ ...claim, key: 'batch:anthropic:claude-haiku-4-5', chunk: 2 });
    expect(await value(metrics, 'llmbatch_batches_in_flight', { model: 'gpt-4.1-mini' })).toBe(2);
    expect(await value(metrics, 'llmbatch_batches_in_flight', { provider: 'anthropic' })).toBe(1);
    await store.batchSlots.releaseRun('gauge');
    // Series of keys with nothing in flight go, rather than keep their last value.
    expect(await value(metrics, 'llmbatch_batches_in_flight')).toBe(0);
    expect(await metrics.registry.metrics()).not.toContain('llmbatch_batches_in_flight{');
  });
});

describe('collectBatch metrics', () => {
  const usage = { inputTokens: 1000, outputTokens: 500 };
  const collect = (metrics: RunMetrics, runId: string, lines: ItemResult[], endedAtMs?: number) => {
    const provider = fake.fakeProvider({
      readResults: async function* () {
        yield* lines;
      },
    });
    const { collectBatch } = createCollectActivities({ store, providers: fake.registryOf(provider), metrics });
    return fake.quietActivityEnvironment().run(collectBatch, {
      runId,
      chunk: 0,
      strike: 1,
      batch: fake.providerBatch('batch-m', { endedAtMs }),
      spec: fake.testSpec(),
    });
  };

  it('counts what it stores, once however often it runs, and the poll lag of the batch', async () => {
    const metrics = createRunMetrics();
    await fake.planRequests(store, 'run-m', ['a', 'b', 'c']);
    const lines: ItemResult[] = [
      { customId: 'a', ok: true, content: 'yes', usage },
      { customId: 'b', ok: true, content: 'no', usage },
      { customId: 'c', ok: false, status: 429, message: 'slow down' },
    ];
    await collect(metrics, 'run-m', lines, Date.now() - 3_000);
    await collect(metrics, 'run-m', lines, Date.now() - 3_000);
    const labels = { provider: 'simulator', model: 'gpt-4.1-mini', mode: 'batch' };
    expect(await value(metrics, 'llmbatch_items_succeeded_total', labels)).toBe(2);
    expect(await value(metrics, 'llmbatch_items_failed_total', { ...labels, kind: 'rate_limited' })).toBe(1);
    expect(await value(metrics, 'llmbatch_rate_limited_total', { where: 'batch_item' })).toBe(1);
    // gpt-4.1-mini batch: 0.20 / 0.80 per 1M tokens -> 0.0002 + 0.0004 per answer.
    expect(await value(metrics, 'llmbatch_spend_usd_total', labels)).toBeCloseTo(2 * 0.0006, 10);
    const lag = (await metrics.registry.getSingleMetric('llmbatch_poll_lag_seconds')!.get()).values as {
      metricName?: string;
      value: number;
    }[];
    // Two collects of one ended batch, each a first attempt here: two observations of about 3 s.
    expect(lag.find((v) => v.metricName === 'llmbatch_poll_lag_seconds_count')?.value).toBe(2);
    const sum = lag.find((v) => v.metricName === 'llmbatch_poll_lag_seconds_sum')!.value;
    expect(sum).toBeGreaterThanOrEqual(6);
    expect(sum).toBeLessThan(20);
  });
});
