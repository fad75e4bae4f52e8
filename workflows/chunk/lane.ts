// The chunk's own model and lane (routing, hybrid), as the plan stored them.
import { upsertSearchAttributes } from '@temporalio/workflow';
import { laneSpec } from '../../common';
import { bookkeepingProfile } from '../activity-profiles';
import { LlmModel } from '../search-attributes';
import { books } from './proxies';
import type { ChunkState } from './state';

/** Reads the chunk's model and lane: every step after it runs under them. */
export async function takeLane(state: ChunkState): Promise<void> {
  const { input, runId, chunk, label } = state;
  const lane = await books.chunkLane.executeWithOptions(
    { ...bookkeepingProfile, summary: `read ${label}'s model and lane` },
    [{ runId, chunk }],
  );
  state.spec = laneSpec(input.spec, lane);
  if (state.spec.model !== input.spec.model) upsertSearchAttributes([{ key: LlmModel, value: state.spec.model }]);
}
