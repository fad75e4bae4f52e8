// The chunk's shared state, one explicit object every step takes: what stays put for the chunk's
// life (its run and number, the call profiles and per-chunk proxies made from the spec it started
// with) and what the steps change as it goes (the spec it runs under, the failover entries left,
// the batch in flight, its counters, its phase, what the run's signals said).
import { proxyActivities, upsertSearchAttributes, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { formatDuration, type ChunkInput, type ChunkPhase, type FailoverRoute, type ResolvedSpec } from '../../common';
import {
  capacityWaitProfile,
  collectProfile,
  pollProfile,
  providerCallProfile,
  syncCallProfile,
  withCallBackoff,
} from '../activity-profiles';
import { LlmPhase } from '../search-attributes';

export type BudgetZone = 'green' | 'yellow' | 'red';

/** The provider batch being waited on, so a cancel can stop it and collect what it answered. */
export interface InFlightBatch {
  strike: number;
  batchId: string;
  model: string;
}

export interface ChunkState {
  readonly input: ChunkInput;
  readonly runId: string;
  readonly chunk: number;
  readonly label: string;
  /** Provider calls spaced by the spec's retry.callBackoff. */
  readonly profiles: {
    readonly call: typeof providerCallProfile;
    readonly collect: typeof collectProfile;
    readonly sync: typeof syncCallProfile;
  };
  /** Made from the spec the chunk started with (the options of each call are merged over them). */
  readonly poll: ActivityInterfaceFor<Activities>;
  readonly capacity: ActivityInterfaceFor<Activities>;
  /** poll.deadline and poll.startDeadline of the spec the chunk started with, as a person reads them. */
  readonly deadline: string;
  readonly startDeadline: string;
  /** The spec the chunk runs under: its own model and lane (read first), or a failover entry's. */
  spec: ResolvedSpec;
  /** Failover entries not tried yet (spec `failover`), in order. */
  readonly failovers: FailoverRoute[];
  phase: ChunkPhase;
  paused: boolean;
  /** Provider batches submitted, told to the tally. */
  batches: number;
  maxUsd: number | undefined;
  budgetChanged: boolean;
  /** The budget zone last told to the parent. */
  zoneTold: BudgetZone;
  inFlight: InFlightBatch | undefined;
  /** Batches a webhook said have ended (newest last). A chunk waits on one batch at a time: a few will do. */
  readonly ended: string[];
}

export function createChunkState(input: ChunkInput): ChunkState {
  const { runId, chunk, spec } = input;
  return {
    input,
    runId,
    chunk,
    label: `chunk ${chunk}`,
    profiles: {
      call: withCallBackoff(providerCallProfile, spec.retry),
      collect: withCallBackoff(collectProfile, spec.retry),
      sync: withCallBackoff(syncCallProfile, spec.retry),
    },
    poll: proxyActivities<Activities>(pollProfile(spec.poll, spec.poll.cancelWaitMs)),
    capacity: proxyActivities<Activities>(capacityWaitProfile(spec.poll)),
    deadline: formatDuration(spec.poll.deadlineMs),
    startDeadline: formatDuration(spec.poll.startDeadlineMs),
    spec,
    failovers: [...(spec.failover ?? [])],
    phase: 'submitting',
    paused: false,
    batches: 0,
    maxUsd: input.maxUsd,
    budgetChanged: false,
    zoneTold: 'green',
    inFlight: undefined,
    ended: [],
  };
}

/** Moves the chunk to a phase, shown in the Web UI (search attribute LlmPhase). */
export function enter(state: ChunkState, next: ChunkPhase): void {
  if (next === state.phase) return;
  state.phase = next;
  upsertSearchAttributes([{ key: LlmPhase, value: next }]);
}

/** A duration as a person reads it in a timer's summary: 250 ms, 30 s, 5 min, 20 h. */
export function readable(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}
