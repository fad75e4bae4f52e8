// What activity unit tests are built from: a real store (the embedded PostgreSQL server) in a temp folder, a fake
// BatchProvider whose every method a test may replace and whose calls are recorded, and a spec.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import type { ResolvedSpec } from '../../common';
import type { BatchProvider, ProviderBatch, ProviderRegistry } from '../../providers';
import { openStore, type RunStore } from '../../store';
import { removeStoreFolder } from './store-folder';

export function testSpec(overrides: Partial<ResolvedSpec> = {}): ResolvedSpec {
  return {
    name: 'activity-test',
    specPath: '/nowhere/spec.yaml',
    inputPath: '/nowhere/input.jsonl',
    inputFormat: 'jsonl',
    template: { user: '{{subject}}' },
    outputDir: '/nowhere/out',
    provider: 'simulator',
    model: 'gpt-4.1-mini',
    maxTokens: 100,
    mode: 'batch',
    chunkSize: 100,
    cache: { enabled: true, maxAgeMs: 86_400_000 },
    poll: {
      initialMs: 10,
      maxMs: 10,
      alertAfterMs: 50,
      deadlineMs: 3_600_000,
      cancelWaitMs: 60_000,
      startDeadlineMs: 3_600_000,
    },
    retry: {
      strike2DelayMs: 1,
      strike3DelayMs: 1,
      syncBackoffMs: 1,
      callBackoffMs: 10,
      callBackoffMaxMs: 100,
      deadLetterAlertRate: 1,
      authProbeMs: 10,
      authTimeoutMs: 3_600_000,
      failedBatchResubmits: 2,
      failoverAfterMs: 60_000,
    },
    limits: {
      concurrentBatches: 5,
      enqueuedTokens: 1e9,
      syncConcurrency: 4,
      syncRpm: 0,
      syncTpm: 0,
      maxItemBytes: 1e6,
    },
    ...overrides,
  };
}

export function providerBatch(id: string, overrides: Partial<ProviderBatch> = {}): ProviderBatch {
  return {
    id,
    status: 'completed',
    counts: { total: 0, completed: 0, failed: 0 },
    errors: [],
    createdAtMs: Date.now(),
    metadata: {},
    ...overrides,
  };
}

export type FakeProvider = BatchProvider & { calls: { method: string; args: unknown[] }[] };

/** A provider that does nothing unless told: `overrides` replace methods; every call is recorded. */
export function fakeProvider(overrides: Partial<BatchProvider> = {}): FakeProvider {
  const calls: { method: string; args: unknown[] }[] = [];
  const refuse = (method: string) => () => Promise.reject(new Error(`the test did not expect ${method}`));
  const base: BatchProvider = {
    name: 'fake',
    findBatch: refuse('findBatch'),
    createBatch: refuse('createBatch'),
    getBatch: refuse('getBatch'),
    cancelBatch: refuse('cancelBatch'),
    callSync: refuse('callSync'),
    // eslint-disable-next-line require-yield
    async *readResults() {
      throw new Error('the test did not expect readResults');
    },
    ...overrides,
  };
  const recorded = Object.fromEntries(
    Object.entries(base).map(([method, value]) => [
      method,
      typeof value === 'function'
        ? (...args: unknown[]) => {
            calls.push({ method, args });
            return (value as (...a: unknown[]) => unknown)(...args);
          }
        : value,
    ]),
  ) as unknown as BatchProvider;
  return Object.assign(recorded, { calls });
}

/** A registry that hands out the one fake provider, whatever the spec names. */
export function registryOf(provider: BatchProvider): ProviderRegistry {
  return { get: () => provider };
}

/** Where each test store lives, so that the file that opened it can remove it. */
const storeFolders = new WeakMap<RunStore, string>();

export async function openTestStore(): Promise<RunStore> {
  const folder = join(mkdtempSync(join(tmpdir(), 'llmbatch-activity-')), 'store');
  const store = await openStore(folder);
  storeFolders.set(store, folder);
  return store;
}

/** Plans requests straight into the store: one per dedup key, all in `chunk`. */
export async function planRequests(store: RunStore, runId: string, dedupKeys: string[], chunk = 0): Promise<void> {
  await store.items.insertRequests(
    runId,
    dedupKeys.map((dedupKey, i) => ({
      dedupKey,
      chunk,
      firstLine: i + 1,
      body: { model: 'gpt-4.1-mini', messages: [{ role: 'user' as const, content: dedupKey }], maxTokens: 10 },
    })),
  );
}

/** What the store holds for a run: results by key, failures by key. */
export async function storedOutcomes(store: RunStore, runId: string) {
  const results = await store.sql.query<{ dedup_key: string; parsed: unknown; strike: number; mode: string }>(
    `select dedup_key, case when json_answer then output::jsonb end as parsed, strike, mode
     from results where run_id = $1 order by dedup_key`,
    [runId],
  );
  const failures = await store.sql.query<{ dedup_key: string; kind: string; retryable: boolean; error: string }>(
    'select dedup_key, kind, retryable, error from failures where run_id = $1 order by dedup_key',
    [runId],
  );
  return { results: results.rows, failures: failures.rows };
}

/** An activity context whose log lines show only at LLMBATCH_LOG_LEVEL (default: errors only). */
export function quietActivityEnvironment(): MockActivityEnvironment {
  const level = (process.env.LLMBATCH_LOG_LEVEL ?? 'ERROR').toUpperCase() as LogLevel;
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger(level) });
}

/** An embedded store for the test file: opened before its tests, closed after; `ready` receives it. */
export function useTestStore(ready: (store: RunStore) => void): void {
  let store: RunStore | undefined;
  beforeAll(async () => {
    store = await openTestStore();
    ready(store);
  });
  afterAll(async () => {
    await store?.sql.close();
    // Each store folder is ~40 MB and a unit run opens hundreds of them.
    if (store) await removeStoreFolder(storeFolders.get(store)!, dirname(storeFolders.get(store)!));
  });
}
