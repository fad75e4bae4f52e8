// How the run hears that a chunk ended, by its `chunkEnded` signal or, for a chunk this run started,
// by its child result, whichever comes first: a completed chunk is counted at once; a failed one has
// its unanswered items dead-lettered first, a cancelled one its tally read, and the run goes on.
import { CancellationScope, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { addTallies, rootMessage, type ChunkEnd, type ChunkOutcome } from '../../common';
import { ioProfile } from '../activity-profiles';
import { budgetSignal, chunkEndedSignal } from '../signals';
import { alert } from './alerts';
import type { Run } from './run';
import { tell } from './tell';
import { publish } from './view';

const io = proxyActivities<Activities>(ioProfile);

/** Failure types of a chunk that no other chunk can escape either: they stop the whole run. */
const RUN_FATAL = new Set(['ProviderConfig']);

/** What a chunk that did not complete still counts (read from the store). */
function tallyOf(run: Run, chunk: number): Promise<ChunkOutcome> {
  return CancellationScope.nonCancellable(() =>
    io.tallyChunk.executeWithOptions({ ...ioProfile, summary: `tally chunk ${chunk}` }, [
      { runId: run.runId, chunk, batches: 0 },
    ]),
  );
}

/** Gives the chunk's slot back and counts what it did; from here on its end is history. */
function countEnd(run: Run, chunk: number, outcome: ChunkOutcome | undefined): void {
  const { chunks, state, waitingForBudget } = run;
  chunks.running.delete(chunk);
  chunks.started.delete(chunk);
  chunks.inherited.delete(chunk);
  run.waitingForAuth.delete(chunk);
  waitingForBudget.delete(chunk);
  state.chunksDone++;
  if (outcome) state.tally = addTallies(state.tally, outcome);
  // Its spend is settled now: chunks waiting for budget look again.
  for (const waiting of waitingForBudget.keys()) void tell(run, waiting, budgetSignal);
  publish(run);
}

/** A chunk that failed for good: its unanswered items go to the dead letters, and the run goes on. */
async function recordFailure(
  run: Run,
  chunk: number,
  failure: NonNullable<ChunkEnd['failure']>,
): Promise<ChunkOutcome | undefined> {
  const { runId, state } = run;
  const { message } = failure;
  state.chunksFailed = (state.chunksFailed ?? 0) + 1;
  log.warn('chunk failed for good; its unanswered items go to the dead letters', { chunk, error: message });
  if (RUN_FATAL.has(failure.type ?? '')) state.fatal ??= message;
  try {
    const ended = await io.failChunk({ runId, chunk, error: message });
    const outcome = await tallyOf(run, chunk);
    await alert(run, 'chunk-failed', `chunk ${chunk} failed for good (${message}); ${ended} items dead-lettered`, {
      chunk,
      deadLettered: ended,
    });
    return outcome;
  } catch (recordError) {
    state.fatal ??= `chunk ${chunk} failed (${message}) and its items could not be recorded: ${rootMessage(recordError)}`;
    return undefined;
  }
}

/**
 * A chunk ended: heard by its signal or, for a chunk started by this run, by its child result,
 * whichever comes first; the other is ignored, as is the end of a chunk this run no longer holds
 * (counted by an earlier run). A completed chunk is counted at once, in the same workflow task
 * (so a continue-as-new in that task carries it); a failed or cancelled one once its items are
 * recorded, which continue-as-new waits for.
 */
export function chunkEnded(run: Run, end: ChunkEnd): void {
  const { chunk } = end;
  const { running, ending, settling } = run.chunks;
  if (!running.has(chunk) || ending.has(chunk)) return;
  ending.add(chunk);
  if (end.outcome) return countEnd(run, chunk, end.outcome);
  const recording = CancellationScope.nonCancellable(async () => {
    if (end.cancelled) {
      // The chunk cancelled its batch and dead-lettered the rest; count what it kept.
      run.cancelled = true;
      countEnd(run, chunk, await tallyOf(run, chunk));
    } else {
      countEnd(run, chunk, await recordFailure(run, chunk, end.failure ?? { message: 'the chunk failed' }));
    }
  }).catch((error: unknown) => {
    // Its items stay pending in the store: failRemaining dead-letters them when the run ends.
    run.state.fatal ??= `chunk ${chunk} ended and could not be counted: ${rootMessage(error)}`;
    countEnd(run, chunk, undefined);
  });
  settling.add(recording);
  void recording.then(() => settling.delete(recording));
}

/** From here on a chunk's `chunkEnded` signal is counted (before, Temporal buffers it). */
export function listenToChunkEnds(run: Run): void {
  setHandler(chunkEndedSignal, (end) => chunkEnded(run, end));
}
