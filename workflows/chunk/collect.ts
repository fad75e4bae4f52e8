// Collect: the batch's output and error files read, matched by custom_id, validated and stored; what
// failed retryably goes on to the next strike.
import { withAuthWait } from './auth-wait';
import type { StopReason } from './batch-stop';
import { collecting, type Batch } from './proxies';
import { enter, type ChunkState } from './state';

export interface Collected {
  strike: number;
  model: string;
  batchId: string;
  batch: Batch;
  /** Set when the chunk stopped the batch itself: its unanswered items then fail with this reason. */
  stopped: StopReason | undefined;
}

/** Collects an ended (or stopped) batch of the chunk's. */
export async function collect(state: ChunkState, { strike, model, batchId, batch, stopped }: Collected): Promise<void> {
  const { runId, chunk, label, deadline, startDeadline } = state;
  enter(state, 'collecting');
  await withAuthWait(state, () =>
    collecting.collectBatch.executeWithOptions(
      {
        ...state.profiles.collect,
        summary: `collect ${stopped ? `what it answered before its ${stopped === 'stalled' ? 'start deadline' : 'deadline'}: ` : ''}batch ${batchId} (${label}, strike ${strike})`,
      },
      [
        {
          runId,
          chunk,
          strike,
          batch,
          spec: state.spec,
          model,
          ...(stopped === 'deadline' ? { stopReason: `batch deadline (${deadline}) passed` } : {}),
          ...(stopped === 'stalled'
            ? { stopReason: `batch not started within poll.startDeadline (${startDeadline})` }
            : {}),
        },
      ],
    ),
  );
}
