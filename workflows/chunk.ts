// A chunk: submit its requests as one provider batch, wait for it, collect. Its history holds a
// fixed number of events whatever the chunk size (polling lives in an activity's retries).
// Strikes 2 and 3 and the dead-letter step are the next layer of this state machine.
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ChunkInput, ChunkOutcome, ChunkPhase } from '../common';
import { ioProfile, pollProfile, providerCallProfile } from './activity-profiles';

export const chunkPhaseQuery = defineQuery<ChunkPhase>('phase');

const { collectBatch, tallyChunk } = proxyActivities<Activities>(ioProfile);
const { submitBatch } = proxyActivities<Activities>(providerCallProfile);

export async function chunkWorkflow({ runId, chunk, spec }: ChunkInput): Promise<ChunkOutcome> {
  let phase: ChunkPhase = 'submitting';
  setHandler(chunkPhaseQuery, () => phase);
  const { pollBatch } = proxyActivities<Activities>(pollProfile(spec.poll));

  const strike = 1;
  let batches = 0;
  const submitted = await submitBatch({ runId, chunk, strike, spec });
  if (submitted.batchId) {
    batches++;
    phase = 'waiting';
    const batch = await pollBatch({ runId, chunk, strike, batchId: submitted.batchId, spec });
    phase = 'collecting';
    await collectBatch({ runId, chunk, strike, batch, spec });
  }
  phase = 'done';
  return tallyChunk({ runId, chunk, batches });
}
