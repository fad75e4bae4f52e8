// What the run tells a chunk: its phase is asked (query), pause, resume and budget signals, and a
// webhook's word that a batch has ended.
import { condition, defineQuery, setHandler } from '@temporalio/workflow';
import type { ChunkPhase } from '../../common';
import { batchEndedSignal, budgetSignal, pauseSignal, resumeSignal } from '../signals';
import { enter, type ChunkState } from './state';

export const chunkPhaseQuery = defineQuery<ChunkPhase>('phase');

/** Set before the chunk's first await, so that a query or signal in the first workflow task finds them. */
export function listenToTheRun(state: ChunkState): void {
  setHandler(chunkPhaseQuery, () => state.phase);
  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(resumeSignal, () => void (state.paused = false));
  setHandler(budgetSignal, ({ maxUsd: cap }) => {
    if (cap !== undefined) state.maxUsd = cap;
    state.budgetChanged = true;
  });
}

/** Batches a webhook said have ended: a wait on one of them then looks at it at once (watchBatch). */
export function listenForEndedBatches(state: ChunkState): void {
  const { ended } = state;
  setHandler(batchEndedSignal, ({ batchId }) => {
    if (ended.includes(batchId)) return; // a repeated delivery
    ended.push(batchId);
    if (ended.length > 4) ended.shift();
  });
}

/** Before anything new is submitted: wait while the run is paused. */
export async function unlessPaused(state: ChunkState): Promise<void> {
  if (!state.paused) return;
  const resume = state.phase;
  enter(state, 'paused');
  await condition(() => !state.paused);
  enter(state, resume);
}
