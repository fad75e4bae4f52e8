// Named activity option profiles. Every profile sets a timeout and an explicit retry policy;
// heartbeat timeouts are short so a crashed worker's activities move to a live one quickly.
import type { ActivityOptions } from '@temporalio/workflow';
import type { ResolvedSpec } from '../common';

/** Kinds that no retry can fix (activities/failure.ts marks them nonRetryable as well). */
const PERMANENT = ['auth', 'not_found', 'invalid_request', 'content_policy', 'ProviderConfig'];

/** Store and file I/O that may take a while on big chunks: heartbeats carry progress. */
export const ioProfile = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: PERMANENT,
  },
} as const satisfies ActivityOptions;

/** A provider call such as upload + create: short attempts, backoff on provider trouble. */
export const providerCallProfile = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: PERMANENT,
  },
} as const satisfies ActivityOptions;

/** Strike 3's sync calls: long (a whole chunk, rate limited), heartbeating, resumable. */
export const syncCallProfile = {
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: PERMANENT,
  },
} as const satisfies ActivityOptions;

/**
 * Temporal's infrequent-polling pattern: each attempt looks once; "not ready" fails retryably and
 * the retry policy spaces the looks (60 s -> 300 s by default). The schedule-to-close timeout
 * covers the provider's 24 h completion window, after which the batch ends expired anyway.
 */
export function pollProfile(poll: ResolvedSpec['poll']): ActivityOptions {
  return {
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: '26 hours',
    retry: {
      initialInterval: poll.initialMs,
      backoffCoefficient: 2,
      maximumInterval: Math.max(poll.maxMs, poll.initialMs),
      nonRetryableErrorTypes: PERMANENT,
    },
  };
}
