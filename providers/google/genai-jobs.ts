// The batch-job calls that @google/genai makes alike in both of its modes (the Gemini API's batches,
// Vertex AI's batch prediction jobs): get, cancel, delete, and the lookup of a job whose create
// response was lost, by the idempotency key its display name carries. Each adapter brings its own
// reading of a job (`toBatch`): the two services report states and counts differently.
import type { FindHint, ProviderBatch } from '../core/types';
import { geminiCall } from './gemini-errors';
import type { BatchJob, GoogleGenAI } from './genai';

/** How far before the recorded intent a job may have been created (clock skew between machines). */
const CLOCK_SKEW_MS = 10 * 60_000;

export class GenaiJobs {
  constructor(
    private readonly client: GoogleGenAI,
    private readonly toBatch: (job: BatchJob, cancelRequested?: boolean) => ProviderBatch,
  ) {}

  async get(name: string): Promise<ProviderBatch> {
    return this.toBatch(await geminiCall(() => this.client.batches.get({ name })));
  }

  /** Asks for the cancel and reads the job back (`cancelling` until it has ended). */
  async cancel(name: string): Promise<ProviderBatch> {
    await geminiCall(() => this.client.batches.cancel({ name }));
    return this.toBatch(await geminiCall(() => this.client.batches.get({ name })), true);
  }

  async delete(name: string): Promise<void> {
    await geminiCall(() => this.client.batches.delete({ name }));
  }

  /**
   * The oldest job young enough to be ours that carries the key and no other chunk owns. `filter`
   * narrows the listing where the service can (Vertex: by create time); Gemini's list is read whole.
   */
  async find(key: string, hint: FindHint, filter?: (floorMs: number) => string): Promise<ProviderBatch | undefined> {
    const floor = hint.createdAfterMs - CLOCK_SKEW_MS;
    const pager = await geminiCall(() =>
      this.client.batches.list({ config: { pageSize: 100, ...(filter ? { filter: filter(floor) } : {}) } }),
    );
    const found: ProviderBatch[] = [];
    for await (const job of pager) {
      const batch = this.toBatch(job);
      if (batch.metadata.key !== key || hint.claimed.has(batch.id)) continue;
      if (batch.createdAtMs && batch.createdAtMs < floor) continue;
      found.push(batch);
    }
    return found.sort((a, b) => a.createdAtMs - b.createdAtMs)[0];
  }
}
