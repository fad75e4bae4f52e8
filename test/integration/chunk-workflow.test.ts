// chunkWorkflow's branches, one at a time, with stubbed activities: plain functions that record
// their calls and answer what the test says. On the time-skipping test server, with the seed
// defaults' real delays: polls a minute to five apart, the 20-hour overdue alarm, the 24-hour batch
// deadline, strikes a minute and five minutes apart, key probes from 30 s; days pass in seconds.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { activityInfo } from '@temporalio/activity';
import { CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { SEED_DEFAULTS, type ChunkOutcome, type ResolvedSpec } from '../../common';
import type { ProviderBatch } from '../../providers';
import { chunkPhaseQuery, type chunkWorkflow } from '../../workflows';
import { budgetSignal } from '../../workflows/signals';
import { testSpec } from '../support/fake-provider';
import { workflowBundle } from '../support/harness';
import { timeSkippingEnvironment } from '../support/time-skipping';

const HOUR = 3_600_000;

/** The seed defaults' delays (DESIGN.md), as a run without poll or retry settings has them. */
const spec = (overrides: Partial<ResolvedSpec> = {}): ResolvedSpec =>
  testSpec({
    poll: { ...SEED_DEFAULTS.poll },
    retry: { ...testSpec().retry, ...SEED_DEFAULTS.retry, deadLetterAlertRate: 1 },
    ...overrides,
  });

/** A spec whose batches have the seed's 24-hour deadline and no earlier start watchdog. */
const deadlineOnly = () => spec({ poll: { ...SEED_DEFAULTS.poll, startDeadlineMs: SEED_DEFAULTS.poll.deadlineMs } });

/** Hours of workflow time since the first look at a batch, as the (skipped) server clock says. */
function hoursSinceFirstLook(): () => number {
  let first: number | undefined;
  return () => {
    const now = activityInfo().currentAttemptScheduledTimestampMs;
    first ??= now;
    return (now - first) / HOUR;
  };
}

const batch = (id: string, status: ProviderBatch['status'] = 'completed'): ProviderBatch => ({
  id,
  status,
  counts: { total: 1, completed: 1, failed: 0 },
  errors: [],
  createdAtMs: 0,
  metadata: {},
});

type Stubs = Partial<Record<keyof Activities, (...args: never[]) => Promise<unknown>>>;

/** The chunk's activities as stubs: each records its calls (name and input) and answers as `answers` says. */
function stubActivities(answers: Stubs & { pending: number[] }) {
  const calls: { name: string; input: Record<string, unknown> }[] = [];
  const pending = [...answers.pending];
  const defaults: Stubs = {
    countPending: () => Promise.resolve(pending.length > 1 ? pending.shift() : pending[0]),
    submitBatch: (input: { strike: number }) =>
      Promise.resolve({ batchId: `batch-${input.strike}`, requests: 1, reused: false }),
    pollBatch: (input: { batchId: string }) => Promise.resolve(batch(input.batchId)),
    collectBatch: () => Promise.resolve({ succeeded: 1, failed: 0, retryable: 0, unknown: 0 }),
    syncStrike: () => Promise.resolve({ called: 1, succeeded: 1, failed: 0 }),
    cancelBatch: (input: { batchId: string }) => Promise.resolve(batch(input.batchId, 'cancelled')),
    failChunk: () => Promise.resolve(0),
    sendAlert: () => Promise.resolve(),
    reserveSpend: (input: { spec: ResolvedSpec }) =>
      Promise.resolve({ ok: true, zone: 'green', model: input.spec.model, usd: 0.01 }),
    settleSpend: () => Promise.resolve(0.01),
    chunkLane: () => Promise.resolve(undefined),
    takeBatchSlot: () => Promise.resolve({ taken: true, inFlight: 1, enqueuedTokens: 0 }),
    releaseBatchSlot: () => Promise.resolve(),
    tallyChunk: (input: { chunk: number }) =>
      Promise.resolve({
        chunk: input.chunk,
        requests: 1,
        succeeded: 1,
        deadLettered: 0,
        tokens: { input: 0, output: 0 },
        costUsd: 0,
        syncEquivalentUsd: 0,
        batches: 0,
      } satisfies ChunkOutcome),
  };
  const activities = Object.fromEntries(
    Object.entries({ ...defaults, ...answers })
      .filter(([name]) => name !== 'pending')
      .map(([name, answer]) => [
        name,
        async (input: Record<string, unknown>) => {
          calls.push({ name, input });
          return await (answer as (input: Record<string, unknown>) => Promise<unknown>)(input);
        },
      ]),
  );
  const named = (name: string) => calls.filter((c) => c.name === name);
  /** The provider calls in order, with their strike: `submitBatch 1`, `syncStrike 3`, ... */
  const trail = () =>
    calls
      .filter((c) => ['submitBatch', 'collectBatch', 'syncStrike'].includes(c.name))
      .map((c) => `${c.name} ${String(c.input.strike)}`);
  return { activities, calls, named, trail };
}

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnvironment();
});
afterAll(async () => {
  await env?.teardown();
});

/** Runs `test` with a worker on a fresh task queue that serves the stubs, and a started chunk. */
async function withChunk<T>(
  activities: Record<string, unknown>,
  chunkSpec: ResolvedSpec,
  test: (handle: WorkflowHandle<typeof chunkWorkflow>) => Promise<T>,
): Promise<T> {
  const taskQueue = `chunk-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof chunkWorkflow>('chunkWorkflow', {
      taskQueue,
      workflowId: `chunk-test-${randomUUID()}`,
      args: [{ runId: `run-${randomUUID()}`, chunk: 0, spec: chunkSpec }],
    });
    return test(handle);
  });
}

describe('chunkWorkflow in batch mode', () => {
  it('takes strike 2 and strike 3 while items are still pending', async () => {
    // pending before strike 1, after strike 1, after strike 2.
    const stubs = stubActivities({ pending: [5, 3, 2] });
    await withChunk(stubs.activities, spec(), (handle) => handle.result());
    expect(stubs.trail()).toEqual([
      'submitBatch 1',
      'collectBatch 1',
      'submitBatch 2',
      'collectBatch 2',
      'syncStrike 3',
    ]);
    expect(stubs.named('pollBatch').map((c) => c.input.batchId)).toEqual(['batch-1', 'batch-2']);
    expect(stubs.named('failChunk')).toEqual([]);
  });

  it('stops after strike 1 when nothing is pending', async () => {
    const stubs = stubActivities({ pending: [5, 0] });
    await withChunk(stubs.activities, spec(), (handle) => handle.result());
    expect(stubs.trail()).toEqual(['submitBatch 1', 'collectBatch 1']);
  });

  it('skips strike 3 when strike 2 answered everything', async () => {
    const stubs = stubActivities({ pending: [5, 3, 0] });
    await withChunk(stubs.activities, spec(), (handle) => handle.result());
    expect(stubs.trail()).toEqual(['submitBatch 1', 'collectBatch 1', 'submitBatch 2', 'collectBatch 2']);
  });

  it('submits a batch that failed as a whole again for the same strike, retry.failedBatchResubmits times', async () => {
    let submits = 0;
    const stubs = stubActivities({
      pending: [5, 5, 0],
      submitBatch: () => Promise.resolve({ batchId: `batch-${++submits}`, requests: 5, reused: false }),
      // Strike 1: three submissions fail whole (the first and its two resubmits); strike 2's first works.
      pollBatch: (input: { batchId: string }) =>
        Promise.resolve(
          Number(input.batchId.slice(6)) <= 3
            ? { ...batch(input.batchId, 'failed'), counts: { total: 5, completed: 0, failed: 0 } }
            : batch(input.batchId),
        ),
    });
    await withChunk(stubs.activities, spec(), (handle) => handle.result());
    expect(stubs.named('submitBatch').map((c) => `${String(c.input.strike)}.${String(c.input.attempt)}`)).toEqual([
      '1.1',
      '1.2',
      '1.3',
      '2.1',
    ]);
    // Only the last failed batch is collected (its items move on to strike 2), and one reservation per strike.
    expect(stubs.named('collectBatch').map((c) => (c.input.batch as ProviderBatch).id)).toEqual(['batch-3', 'batch-4']);
    expect(stubs.named('reserveSpend').map((c) => c.input.strike)).toEqual([1, 2]);
    expect(stubs.named('tallyChunk')[0].input.batches).toBe(4);
  });
});

describe('chunkWorkflow in sync mode', () => {
  it('runs up to three rounds of sync calls', async () => {
    const stubs = stubActivities({ pending: [5, 3, 1, 1] });
    await withChunk(stubs.activities, spec({ mode: 'sync' }), (handle) => handle.result());
    expect(stubs.trail()).toEqual(['syncStrike 1', 'syncStrike 2', 'syncStrike 3']);
    expect(stubs.named('submitBatch')).toEqual([]);
  });

  it('stops as soon as nothing is pending', async () => {
    const stubs = stubActivities({ pending: [5, 0] });
    await withChunk(stubs.activities, spec({ mode: 'sync' }), (handle) => handle.result());
    expect(stubs.trail()).toEqual(['syncStrike 1']);
  });
});

describe('chunkWorkflow waiting on a slow batch', () => {
  it('alerts once when the batch is overdue (20 hours) and keeps polling until it ends', async () => {
    let looks = 0;
    const hours = hoursSinceFirstLook();
    const stubs = stubActivities({
      pending: [5, 0],
      // Not finished for 21 hours (the alarm rings at 20); the retry policy spaces the looks.
      pollBatch: async (input: { batchId: string }) => {
        looks++;
        if (hours() < 21) {
          throw ApplicationFailure.create({
            message: 'not ready',
            type: 'BatchNotReady',
            category: ApplicationFailureCategory.BENIGN,
          });
        }
        return batch(input.batchId);
      },
    });
    await withChunk(stubs.activities, spec(), (handle) => handle.result());
    // A look a minute at first, then every five minutes: about 250 looks in 21 hours.
    expect(looks).toBeGreaterThan(200);
    expect(looks).toBeLessThan(300);
    const alerts = stubs.named('sendAlert').map((c) => c.input);
    expect(alerts).toEqual([
      expect.objectContaining({ kind: 'batch-overdue', details: expect.objectContaining({ batchId: 'batch-1' }) }),
    ]);
    expect(stubs.trail()).toEqual(['submitBatch 1', 'collectBatch 1']);
  });
});

describe('chunkWorkflow with a refused API key', () => {
  it('waits while the key is refused, looking every retry.authProbe, and goes on when it works again', async () => {
    let keyWorks = false;
    const hours = hoursSinceFirstLook();
    const stubs = stubActivities({
      pending: [5, 0],
      submitBatch: (input: { strike: number }) => {
        if (!keyWorks)
          throw ApplicationFailure.create({ message: '401 invalid api key', type: 'auth', nonRetryable: true });
        return Promise.resolve({ batchId: `batch-${input.strike}`, requests: 1, reused: false });
      },
      // The cheap look at the key: refused for two hours (the operator fixes the worker's key), then taken.
      waitForKey: () => {
        if (hours() < 2)
          throw ApplicationFailure.create({
            message: 'the provider still refuses the API key',
            type: 'KeyRefused',
            category: ApplicationFailureCategory.BENIGN,
          });
        keyWorks = true;
        return Promise.resolve();
      },
    });
    const outcome = await withChunk(stubs.activities, spec(), (handle) => handle.result());
    expect(outcome).toMatchObject({ succeeded: 1, deadLettered: 0 });
    // A look every 30 s (retry.authProbe) for two hours, not a doubling sleep: about 240 looks.
    expect(stubs.named('waitForKey').length).toBeGreaterThan(200);
    expect(stubs.named('sendAlert').map((c) => c.input.kind)).toEqual(['auth']);
    expect(stubs.named('failChunk')).toEqual([]);
    // The refused submit, then the same strike's submit once the key works: nothing burned, nothing lost.
    expect(stubs.trail()).toEqual(['submitBatch 1', 'submitBatch 1', 'collectBatch 1']);
  });
});

describe('chunkWorkflow out of budget', () => {
  it('submits nothing while the budget says red, goes on after a raise, and uses the model the budget picked', async () => {
    let raised = false;
    const stubs = stubActivities({
      pending: [5, 0],
      reserveSpend: (input: { maxUsd?: number }) =>
        Promise.resolve(
          input.maxUsd === 5
            ? { ok: true, zone: 'yellow', model: 'gpt-4.1-nano', usd: 0.01, message: 'spend reaches 80%' }
            : { ok: false, zone: 'red', message: 'budget.maxUsd $1.00 would be exceeded' },
        ),
    });
    const outcome = await withChunk(stubs.activities, spec(), async (handle) => {
      for (let i = 0; i < 100 && (await handle.query(chunkPhaseQuery)) !== 'paused:budget'; i++) await delay(50);
      expect(await handle.query(chunkPhaseQuery)).toBe('paused:budget');
      expect(stubs.named('submitBatch')).toEqual([]);
      raised = true;
      await handle.signal(budgetSignal, { maxUsd: 5 });
      return handle.result();
    });
    expect(raised).toBe(true);
    expect(outcome).toMatchObject({ succeeded: 1, deadLettered: 0 });
    expect(stubs.named('submitBatch').map((c) => c.input.model)).toEqual(['gpt-4.1-nano']);
    expect(stubs.named('collectBatch').map((c) => c.input.model)).toEqual(['gpt-4.1-nano']);
    expect(stubs.named('settleSpend').map((c) => c.input.model)).toEqual(['gpt-4.1-nano']);
    expect(stubs.named('reserveSpend').at(-1)?.input.maxUsd).toBe(5);
  });
});

describe('chunkWorkflow cancelled while it waits on a batch', () => {
  it('cancels the provider batch, collects what it answered and dead-letters the rest as cancelled', async () => {
    let cancelled = false;
    const stubs = stubActivities({
      pending: [5],
      pollBatch: (input: { batchId: string }) => {
        if (cancelled) return Promise.resolve(batch(input.batchId, 'cancelled'));
        throw ApplicationFailure.create({
          message: 'not ready',
          type: 'BatchNotReady',
          category: ApplicationFailureCategory.BENIGN,
        });
      },
      cancelBatch: (input: { batchId: string }) => {
        cancelled = true;
        return Promise.resolve(batch(input.batchId, 'cancelled'));
      },
    });
    const error = await withChunk(stubs.activities, spec(), async (handle) => {
      while (stubs.named('pollBatch').length === 0) await delay(10);
      await handle.cancel();
      return handle.result().catch((e: unknown) => e);
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(stubs.named('cancelBatch').map((c) => c.input.batchId)).toEqual(['batch-1']);
    expect(stubs.named('pollBatch').at(-1)?.input.batchId).toBe('batch-1');
    expect(stubs.named('collectBatch').map((c) => (c.input.batch as ProviderBatch).status)).toEqual(['cancelled']);
    expect(stubs.named('failChunk').map((c) => c.input.kind)).toEqual(['cancelled']);
    expect(stubs.named('tallyChunk')).toHaveLength(1);
  });
});

describe('chunkWorkflow with a batch past its deadline', () => {
  const notReady = () => {
    throw ApplicationFailure.create({
      message: 'not ready',
      type: 'BatchNotReady',
      category: ApplicationFailureCategory.BENIGN,
    });
  };

  it('cancels it, collects what it answered with the deadline as the reason, and moves the rest on to strike 2', async () => {
    let cancelled = false;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const stubs = stubActivities({
      pending: [5, 3, 0],
      // Batch 1 never finishes on its own; batch 2 (strike 2) completes at once.
      pollBatch: (input: { batchId: string }) =>
        input.batchId === 'batch-1' && !cancelled
          ? notReady()
          : Promise.resolve(batch(input.batchId, input.batchId === 'batch-1' ? 'cancelled' : 'completed')),
      cancelBatch: async (input: { batchId: string }) => {
        await released;
        cancelled = true;
        return batch(input.batchId, 'cancelling');
      },
    });
    const outcome = await withChunk(stubs.activities, deadlineOnly(), async (handle) => {
      // Awaiting the result lets the server skip time: to the deadline, where the cancel waits for release().
      const result = handle.result();
      while (stubs.named('cancelBatch').length === 0) await delay(10);
      expect(await handle.query(chunkPhaseQuery)).toBe('cancelling:deadline');
      release();
      return result;
    });
    expect(outcome).toMatchObject({ succeeded: 1 });
    expect(stubs.named('cancelBatch').map((c) => c.input.batchId)).toEqual(['batch-1']);
    expect(stubs.trail()).toEqual(['submitBatch 1', 'collectBatch 1', 'submitBatch 2', 'collectBatch 2']);
    const collected = stubs.named('collectBatch').map((c) => ({
      status: (c.input.batch as ProviderBatch).status,
      stopReason: c.input.stopReason,
    }));
    expect(collected).toEqual([
      { status: 'cancelled', stopReason: 'batch deadline (24h) passed' },
      { status: 'completed', stopReason: undefined },
    ]);
    // The overdue alarm (20 hours) rang before the deadline, then the deadline's own alert.
    expect(stubs.named('sendAlert').map((c) => c.input.kind)).toEqual(['batch-overdue', 'batch-deadline']);
    expect(stubs.named('sendAlert')[1].input).toMatchObject({
      message: expect.stringMatching(/unfinished after poll\.deadline \(24h\): cancelled; .* strike 2/),
      details: expect.objectContaining({ batchId: 'batch-1', strike: 1 }),
    });
    expect(stubs.named('failChunk')).toEqual([]);
  });

  it('fails the chunk when the cancelled batch does not end within poll.cancelWait, instead of waiting for ever', async () => {
    const stubs = stubActivities({
      pending: [5],
      pollBatch: notReady,
      cancelBatch: (input: { batchId: string }) => Promise.resolve(batch(input.batchId, 'cancelling')),
    });
    const error = await withChunk(stubs.activities, deadlineOnly(), (handle) =>
      handle.result().catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause?.message).toMatch(
      /batch batch-1 was cancelled at its deadline \(24h\) but did not end within poll\.cancelWait \(1h\)/,
    );
    expect(stubs.named('cancelBatch')).toHaveLength(1);
    // Nothing collected and nothing submitted again while the old batch might still answer.
    expect(stubs.trail()).toEqual(['submitBatch 1']);
  });
});
