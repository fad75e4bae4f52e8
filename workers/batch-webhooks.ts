// What the worker does with an OpenAI batch webhook: verify it with the official SDK (a forged or
// tampered event is refused before anything is looked up), find the chunk that waits on the batch
// (the store knows which run and chunk submitted it) and signal that chunk, which then looks at the
// batch at once instead of at its next poll. Everything else is acknowledged and ignored: another
// kind of event, a batch this store never submitted, a chunk that has already ended.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import OpenAI, { InvalidWebhookSignatureError } from 'openai';
import type { BatchRecords } from '../store';
import { chunkWorkflowId } from '../workflows';
import { batchEndedSignal } from '../workflows/signals';

const BATCH_EVENTS = new Set(['batch.completed', 'batch.failed', 'batch.expired', 'batch.cancelled']);

/** The widest chunk ids a run can have: 10M items in chunks of 1 (chunkWorkflowId pads to the count). */
const MAX_CHUNK_DIGITS = 8;

export interface WebhookReply {
  status: number;
  message: string;
}

export interface BatchWebhookDeps {
  /** whsec_... as OpenAI shows it for the endpoint. */
  secret: string;
  store: { batches: Pick<BatchRecords, 'owner'> };
  client: Client;
}

/**
 * The chunk's workflow id without knowing the run's chunk count: the id is padded to the count's
 * digits (3 at least), so try the narrowest width that fits this chunk first. A run under 1,000
 * chunks is found at the first try.
 */
export function chunkWorkflowIdCandidates(runId: string, chunk: number): string[] {
  const ids = new Set<string>();
  for (let digits = Math.max(3, String(chunk).length); digits <= MAX_CHUNK_DIGITS; digits++)
    ids.add(chunkWorkflowId(runId, chunk, 10 ** (digits - 1) + 1));
  return [...ids];
}

export function createBatchWebhookHandler({ secret, store, client }: BatchWebhookDeps) {
  // The SDK's verifier lives on a client; this one never calls the API, so it needs no real key.
  const openai = new OpenAI({ apiKey: 'unused-webhook-verification-only', webhookSecret: secret });

  const signalChunk = async (runId: string, chunk: number, batchId: string, status: string): Promise<boolean> => {
    for (const workflowId of chunkWorkflowIdCandidates(runId, chunk)) {
      try {
        await client.workflow.getHandle(workflowId).signal(batchEndedSignal, { batchId, status });
        return true;
      } catch (error) {
        // Not this width, or the chunk has ended (its history closed): try the next, then give up.
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    return false;
  };

  return async (body: string, headers: Record<string, string | string[] | undefined>): Promise<WebhookReply> => {
    let event: { type?: unknown; data?: { id?: unknown } };
    try {
      event = (await openai.webhooks.unwrap(body, headers)) as typeof event;
    } catch (error) {
      // A bad signature, a stale timestamp, a missing header, or a body that is not JSON: all refused.
      const why = error instanceof InvalidWebhookSignatureError ? error.message : String(error);
      return { status: 400, message: `refused: ${why}` };
    }
    const type = String(event.type);
    const batchId = event.data?.id;
    if (!BATCH_EVENTS.has(type) || typeof batchId !== 'string') return { status: 200, message: `ignored ${type}` };
    const owner = await store.batches.owner(batchId);
    if (!owner) return { status: 200, message: `ignored ${type}: batch ${batchId} is not one of this store's` };
    const status = type.slice('batch.'.length);
    const signalled = await signalChunk(owner.runId, owner.chunk, batchId, status);
    return signalled
      ? { status: 200, message: `chunk ${owner.chunk} of run ${owner.runId} told: batch ${batchId} ${status}` }
      : { status: 200, message: `ignored ${type}: chunk ${owner.chunk} of run ${owner.runId} has ended` };
  };
}
