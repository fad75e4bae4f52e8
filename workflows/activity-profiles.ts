// Named activity option profiles. Every profile sets a timeout, an explicit retry policy and a
// bound: an attempt cap or a schedule-to-close timeout, so nothing but the wait on a provider's
// batch can go on for long, and even that ends. Internal (non-provider) errors are capped at a few
// attempts by the activity boundary (activities/failure.ts). Heartbeat timeouts are short so a
// crashed worker's activities move to a live one quickly.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import type { ResolvedSpec } from '../common';

/** Kinds that no retry can fix (activities/failure.ts marks them nonRetryable as well). `auth` is
 * handled by the chunk workflow: it waits for the key to work again. */
const PERMANENT = [
  'auth',
  'not_found',
  'invalid_request',
  'content_policy',
  'ProviderConfig',
  'OutputDirUnusable',
  'AccountingMismatch',
];

/** Store and file I/O (plan, finalize, tallies): heartbeats carry progress; a capped number of attempts. */
export const ioProfile = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: PERMANENT,
  },
} as const satisfies ActivityOptions;

/**
 * The plan: I/O as above, with a shorter heartbeat timeout because its heartbeat ({ lines }) is what
 * `run --wait` shows while a large input is planned. The worker sends a heartbeat to the server at
 * most every 0.8 x heartbeatTimeout: 24 s with 30 s, 8 s with this (the keep-alive beats every 5 s).
 */
export const planProfile = {
  ...ioProfile,
  heartbeatTimeout: '10 seconds',
} as const satisfies ActivityOptions;

/**
 * A provider call such as upload + create, or a results download: short attempts, backoff on
 * provider trouble (an open circuit waits without counting as trouble), bounded in time: a provider
 * that stays down for six hours fails the chunk, whose items are then dead-lettered as chunk_failed.
 */
export const providerCallProfile = {
  startToCloseTimeout: '10 minutes',
  scheduleToCloseTimeout: '6 hours',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: PERMANENT,
  },
} as const satisfies ActivityOptions;

/**
 * A provider-call profile spaced by the spec's own backoff (retry.callBackoff doubling to
 * retry.callBackoffMax): a flaky provider is tried again soon, one that stays down ever more rarely.
 */
export function withCallBackoff<P extends ActivityOptions>(profile: P, retry: ResolvedSpec['retry']): P {
  return {
    ...profile,
    retry: { ...profile.retry, initialInterval: retry.callBackoffMs, maximumInterval: retry.callBackoffMaxMs },
  };
}

/** Collect: downloads the result files (provider trouble as above) and stores every line, heartbeating. */
export const collectProfile = {
  ...providerCallProfile,
  startToCloseTimeout: '30 minutes',
} as const satisfies ActivityOptions;

/** A round of sync calls: long (a whole chunk, rate limited), heartbeating, resumable, bounded. */
export const syncCallProfile = {
  ...providerCallProfile,
  startToCloseTimeout: '24 hours',
  scheduleToCloseTimeout: '48 hours',
} as const satisfies ActivityOptions;

/** Alerts never hold a run: a few quick attempts, then the workflow logs that it gave up. */
export const alertProfile = {
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 3 },
} as const satisfies ActivityOptions;

/**
 * Temporal's infrequent-polling pattern: each attempt looks once; "not ready" fails retryably and
 * the retry policy spaces the looks (60 s -> 300 s by default). The schedule-to-close timeout is the
 * wait's bound, `windowMs`: the chunk's own batch deadline (poll.deadline) plus `POLL_SLACK_MS`, so the
 * workflow's deadline timer, not this timeout, ends the wait; or poll.cancelWait for a batch the
 * chunk cancelled.
 */
export function pollProfile(poll: ResolvedSpec['poll'], windowMs: number): ActivityOptions {
  const maxMs = Math.max(poll.maxMs, poll.initialMs);
  const window = Math.max(1, Math.round(windowMs));
  return {
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: `${window}ms`,
    retry: {
      initialInterval: poll.initialMs,
      backoffCoefficient: 2,
      maximumInterval: maxMs,
      // The looks that fit in the window (the bound is the window; the count is what the Web UI shows).
      maximumAttempts:
        Math.ceil(window / Math.max(1, maxMs)) + Math.ceil(Math.log2(maxMs / Math.max(1, poll.initialMs))) + 1,
      nonRetryableErrorTypes: PERMANENT,
    },
  };
}

/**
 * A wait for room among a provider's batches in flight (activities/batch/batch-slots.ts): each attempt
 * looks once; the poll settings space the looks. Other runs' batches may hold the room for as long
 * as batches may run (until their deadline), so the bound is twice that; past it the chunk fails
 * (its items are dead-lettered) rather than waiting for ever.
 */
export function capacityWaitProfile(poll: ResolvedSpec['poll']): ActivityOptions {
  return pollProfile(poll, 2 * (poll.deadlineMs + POLL_SLACK_MS));
}

/**
 * What a poll's schedule-to-close adds to the time left before the batch deadline: the deadline is
 * a workflow timer, and the server may fire it a little late; the poll must still be running then
 * (it is cancelled by the timer), not have timed out and failed the chunk.
 */
export const POLL_SLACK_MS = 5 * 60_000;

/**
 * Waiting for a refused API key to work again: one cheap look every retry.authProbe, constant (the
 * retries write no history, so there is no reason to back off), until retry.authTimeout is spent.
 */
export function keyWaitProfile(retry: ResolvedSpec['retry'], leftMs: number): ActivityOptions {
  return {
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: Math.max(1, leftMs),
    retry: { initialInterval: retry.authProbeMs, backoffCoefficient: 1, maximumInterval: retry.authProbeMs },
  };
}

/**
 * The one look at a batch a webhook said has ended, run as a local activity: in the workflow task
 * that took the signal, with no round trip through the server. One attempt: if it fails (the
 * provider does not agree yet, or is down), the chunk polls as usual.
 */
export const webhookLookProfile = {
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 1 },
} as const satisfies LocalActivityOptions;

/**
 * A chunk's own bookkeeping in the store (what is pending, a spend reservation or settlement, the
 * tally): short, idempotent reads and writes, run as local activities by the worker that runs the
 * workflow task, with no round trip through the task queue and no events but a marker. A 10,000-item
 * chunk made five such trips, a tenth of a second or more each on a busy server. Every worker of the
 * run's task queue reaches the store, so any of them may run these. Retried as ioProfile is.
 */
export const bookkeepingProfile = {
  startToCloseTimeout: '2 minutes',
  localRetryThreshold: '10 seconds',
  retry: ioProfile.retry,
} as const satisfies LocalActivityOptions;
