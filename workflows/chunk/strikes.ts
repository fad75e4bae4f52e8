// Between strikes: what is still pending, and the wait before the next strike.
import { sleep } from '@temporalio/workflow';
import { bookkeepingProfile } from '../activity-profiles';
import { books } from './proxies';
import { enter, readable, type ChunkState } from './state';

/** How many of the chunk's items still need an answer (neither answered nor failed for good). */
export function pendingCount(state: ChunkState) {
  const { runId, chunk, label } = state;
  return books.countPending.executeWithOptions({ ...bookkeepingProfile, summary: `count what ${label} still needs` }, [
    { runId, chunk },
  ]);
}

/** The wait before a strike (retry.strike2Delay, retry.strike3Delay). */
export async function backOff(state: ChunkState, ms: number, strike: number): Promise<void> {
  enter(state, 'backing-off');
  if (ms > 0) await sleep(ms, { summary: `wait ${readable(ms)} before strike ${strike}` });
}
