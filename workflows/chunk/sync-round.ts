// The sync lane: what remains called item by item through the provider's sync API, rate limited
// across every chunk (strike 3, every strike in sync mode, and batches too small for the provider).
import { CancellationScope } from '@temporalio/workflow';
import { withAuthWait } from './auth-wait';
import { reserve, settle } from './budget';
import { unlessPaused } from './controls';
import { syncCalls } from './proxies';
import { enter, type ChunkState } from './state';

/** One round of sync calls over the chunk's pending items; its spend is settled even when cancelled. */
export async function syncRound(state: ChunkState, strike: number, pending: number): Promise<void> {
  const { runId, chunk, label } = state;
  await unlessPaused(state);
  const model = await reserve(state, strike, 'sync');
  enter(state, 'calling-sync');
  try {
    await withAuthWait(state, () =>
      syncCalls.syncStrike.executeWithOptions(
        {
          ...state.profiles.sync,
          summary: `sync calls for ${label} strike ${strike} (${pending} requests, ${model})`,
        },
        [{ runId, chunk, strike, spec: state.spec, model }],
      ),
    );
  } finally {
    await CancellationScope.nonCancellable(() => settle(state, strike, model));
  }
}
