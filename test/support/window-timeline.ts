// The sliding window as the parent saw it, read from the histories of every run of a run's parent
// workflow (following the continue-as-new chain): when each chunk took its slot (its child start
// was initiated), by which run, and when its end reached the parent (its `chunkEnded` signal or
// its child's close, whichever came first), in which run. Tests prove with it that the window
// did not drain at continue-as-new and never held more than its size.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';

export interface ChunkSpan {
  chunk: number;
  /** Index of the parent run (0 = first) that started the chunk, and when. */
  startedBy: number;
  startedAt: number;
  /** Index of the parent run that heard the chunk's end, and when; undefined if never. */
  endedIn?: number;
  endedAt?: number;
}

export interface WindowTimeline {
  /** Start time of each parent run, in order. */
  runStarts: number[];
  chunks: ChunkSpan[];
}

const chunkOf = (workflowId: string | null | undefined) => Number(/\/chunk-(\d+)$/.exec(workflowId ?? '')?.[1] ?? NaN);

export async function windowTimeline(client: Client, workflowId: string): Promise<WindowTimeline> {
  // Any run's start names the first run of the chain.
  const latest = await client.workflow.getHandle(workflowId).fetchHistory();
  const firstRunId = latest.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId;
  if (!firstRunId) throw new Error(`${workflowId}: no first run id in its history`);
  const runStarts: number[] = [];
  const spans = new Map<number, ChunkSpan>();
  const ended = (chunk: number, run: number, at: number) => {
    const span = spans.get(chunk);
    if (span && span.endedAt === undefined) Object.assign(span, { endedIn: run, endedAt: at });
  };
  let runId: string | undefined = firstRunId;
  for (let run = 0; runId; run++) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runId = undefined;
    for (const event of history.events ?? []) {
      const at = tsToMs(event.eventTime);
      if (event.workflowExecutionStartedEventAttributes) runStarts.push(at);
      const start = event.startChildWorkflowExecutionInitiatedEventAttributes;
      if (start)
        spans.set(chunkOf(start.workflowId), { chunk: chunkOf(start.workflowId), startedBy: run, startedAt: at });
      const signal = event.workflowExecutionSignaledEventAttributes;
      if (signal?.signalName === 'chunkEnded') {
        const end = defaultPayloadConverter.fromPayload<{ chunk: number }>(signal.input!.payloads![0]);
        ended(end.chunk, run, at);
      }
      const closed =
        event.childWorkflowExecutionCompletedEventAttributes ??
        event.childWorkflowExecutionFailedEventAttributes ??
        event.childWorkflowExecutionCanceledEventAttributes ??
        event.childWorkflowExecutionTerminatedEventAttributes;
      if (closed) ended(chunkOf(closed.workflowExecution?.workflowId), run, at);
      runId = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? runId;
    }
  }
  return { runStarts, chunks: [...spans.values()].sort((a, b) => a.chunk - b.chunk) };
}

/** The most chunks that held a slot at once (an end frees its slot before a start at the same instant). */
export function mostAtOnce({ chunks }: WindowTimeline): number {
  const moments = chunks.flatMap((c) => [
    { at: c.startedAt, step: 1 },
    { at: c.endedAt ?? Infinity, step: -1 },
  ]);
  moments.sort((a, b) => a.at - b.at || a.step - b.step);
  let now = 0;
  let most = 0;
  for (const { step } of moments) most = Math.max(most, (now += step));
  return most;
}

/**
 * The proof that the window did not drain: chunks started by one run whose end was heard by a
 * later run that had started chunks of its own before that end (the samples' sliding window).
 */
export function carriedAcross({ chunks }: WindowTimeline): { chunk: number; startedBy: number; endedIn: number }[] {
  return chunks
    .filter((c) => c.endedIn !== undefined && c.endedIn > c.startedBy)
    .filter((c) => chunks.some((d) => d.startedBy === c.endedIn && d.startedAt < c.endedAt!))
    .map(({ chunk, startedBy, endedIn }) => ({ chunk, startedBy, endedIn: endedIn! }));
}
