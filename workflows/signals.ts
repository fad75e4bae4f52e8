// Signals and queries between the CLI, a run's parent and its chunks, defined apart so every
// workflow imports them without importing the others.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ChunkEnd, RunReport } from '../common';

/**
 * A chunk tells its parent how it ended, just before it does (completed, failed for good, or
 * cancelled). Sent to the parent's workflow id, so it reaches the newest run after a
 * continue-as-new: that is how a run learns of the chunks it inherited. The parent counts a chunk
 * once, whichever of this signal and the child's result comes first.
 */
export const chunkEndedSignal = defineSignal<[ChunkEnd]>('chunkEnded');

/** A chunk tells its parent that it waits for a refused API key to work again (or no longer does). */
export const chunkWaitingSignal = defineSignal<[{ chunk: number; waiting: boolean; reason: string }]>('chunkWaiting');

/** A chunk tells its parent where the budget stands when it reserves spend: yellow (downgraded), red (waiting), green. */
export const chunkBudgetSignal =
  defineSignal<[{ chunk: number; zone: 'green' | 'yellow' | 'red'; message: string }]>('chunkBudget');

/**
 * `llmbatch budget RUN_ID --max-usd N`: the run's new cap (parent), passed on to its chunks. The
 * parent also sends it, with the cap unchanged, to chunks waiting for budget whenever a chunk ends
 * (spend settled, room may have opened).
 */
export const budgetSignal = defineSignal<[{ maxUsd?: number }]>('budget');

/** Stop submitting: no new chunk, no new provider batch or sync round; what is in flight finishes. */
export const pauseSignal = defineSignal<[{ reason?: string }?]>('pause');

/** Submit again after a pause. */
export const resumeSignal = defineSignal('resume');

/** The run's report once finalize wrote it (also after a cancel or a failure); undefined before. */
export const reportQuery = defineQuery<RunReport | undefined>('report');

/**
 * A provider said (by webhook, workers/batch-webhooks.ts) that a batch ended: the chunk waiting on
 * it looks at once instead of at its next poll. Any other batch id is ignored; a repeat is harmless.
 */
export const batchEndedSignal = defineSignal<[{ batchId: string; status: string }]>('batchEnded');

/**
 * `llmbatch finalize RUN [--output DIR]`: a run waiting in phase `finalize-failed` writes its outputs
 * again from the store now (to DIR when given) instead of at its next backoff. No provider is called.
 */
export const finalizeSignal = defineSignal<[{ outputDir?: string }]>('finalize');
