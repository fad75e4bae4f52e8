// The batch-job calls that @google/genai makes alike in both of its modes (the Gemini API's batches,
// Vertex AI's batch prediction jobs): get, cancel, delete, and the lookup of a job whose create
// response was lost, by the idempotency key its display name carries. Each adapter brings its own
// reading of a job (`toBatch`): the two services report states and counts differently.
import type { BatchStatus, FindHint, ProviderBatch } from '../core/types';
import { geminiCall } from './gemini-errors';
import type { BatchJob, GoogleGenAI } from './genai';

/** How far before the recorded intent a job may have been created (clock skew between machines). */
const TERMINAL = new Set<BatchStatus>(['completed', 'failed', 'expired', 'cancelled']);

/** The SDK's fetch, as both adapters give it (so tests and the simulator see Node's own). */
export const GEMINI_HTTP = { fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, init) };

/** The SDK's HTTP options: another endpoint when the spec or environment names one, a timeout. */
export function genaiHttpOptions(config: { baseURL?: string; timeoutMs?: number }) {
  return {
    ...(config.baseURL ? { baseUrl: config.baseURL } : {}),
    timeout: config.timeoutMs ?? 50_000,
    ...GEMINI_HTTP,
  };
}

/** What both services report alike about a job: its error, its times, and the key its name carries. */
export function jobRecordOf(
  job: BatchJob,
  status: BatchStatus,
  named: { key: string } | undefined,
): Pick<ProviderBatch, 'errors' | 'createdAtMs' | 'endedAtMs' | 'metadata'> {
  return {
    errors: job.error?.message ? [job.error.message] : [],
    createdAtMs: job.createTime ? Date.parse(job.createTime) : 0,
    ...(job.endTime && TERMINAL.has(status) ? { endedAtMs: Date.parse(job.endTime) } : {}),
    metadata: named ? { key: named.key } : {},
  };
}

const CLOCK_SKEW_MS = 10 * 60_000;

/** The job calls of a BatchProvider, the same for both adapters. */
export abstract class GenaiJobProvider {
  protected abstract readonly jobs: GenaiJobs;
  protected abstract readonly client: GoogleGenAI;

  async getBatch(batchId: string): Promise<ProviderBatch> {
    return this.jobs.get(batchId);
  }

  async cancelBatch(batchId: string): Promise<ProviderBatch> {
    return this.jobs.cancel(batchId);
  }

  /** Deletes a job that has ended (Gemini's results go with it; Vertex's predictions stay in the bucket). */
  async deleteBatch(batchId: string): Promise<void> {
    return this.jobs.delete(batchId);
  }

  /** The job behind a batch whose results can be read (it has ended with some), else undefined. */
  protected async readableJob(batch: ProviderBatch): Promise<BatchJob | undefined> {
    if (!['completed', 'expired', 'cancelled'].includes(batch.status)) return undefined;
    return geminiCall(() => this.client.batches.get({ name: batch.id }));
  }
}

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
