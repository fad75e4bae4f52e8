// Signals from the run to its chunks' workflows, whichever run started them (an inherited chunk has
// no child handle here). A chunk that cannot be told is logged, never a failure of the run.
import { getExternalWorkflowHandle, log, type ExternalWorkflowHandle } from '@temporalio/workflow';
import type { budgetSignal, pauseSignal, resumeSignal } from '../signals';
import { chunkWorkflowId, type Run } from './run';

/** What the run tells its chunks: pause, resume, a budget look (with a new cap or none). */
export type ChunkControl = typeof pauseSignal | typeof resumeSignal | typeof budgetSignal;

/** The chunk's workflow, whichever run started it. */
export function chunkHandle(run: Run, chunk: number): ExternalWorkflowHandle {
  return getExternalWorkflowHandle(chunkWorkflowId(run.runId, chunk, run.state.plan?.chunks));
}

export function tell(run: Run, chunk: number, signal: ChunkControl, args: { maxUsd?: number } = {}): Promise<void> {
  return chunkHandle(run, chunk)
    .signal(signal as typeof budgetSignal, args)
    .catch((error: unknown) => log.warn('could not tell a chunk', { chunk, error: String(error) }));
}

/** Tells every chunk of the window whose workflow exists. */
export function tellChunks(run: Run, signal: typeof pauseSignal | typeof resumeSignal): void {
  for (const chunk of run.chunks.started) void tell(run, chunk, signal);
}
