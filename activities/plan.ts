// Plan: stream the dataset, render each line into a request, drop in-run duplicates, and cut
// chunks that respect the provider's batch limits. Only counts go back to the workflow.
import { heartbeat } from '@temporalio/activity';
import {
  PROVIDER_BATCH_LIMITS,
  SEED_DEFAULTS,
  TemplateFieldMissing,
  costUsd,
  renderTemplate,
  type PlanSummary,
  type ResolvedSpec,
} from '../common';
import type { ChatMessage, ItemRow, NeutralRequest, RequestRow } from '../store';
import { readDataset, type DatasetEntry } from './dataset';
import type { ActivityDeps } from './deps';
import { dedupKeyOf } from './request-key';

const FLUSH_EVERY = 1000;

export interface PlanInput {
  runId: string;
  spec: ResolvedSpec;
}

/** Cuts chunks: a new one when the spec's size, the provider's request cap or its byte cap is reached. */
class ChunkCutter {
  chunk = 0;
  private count = 0;
  private bytes = 0;
  constructor(
    private readonly maxRequests: number,
    private readonly maxBytes: number,
  ) {}
  place(bytes: number): number {
    if (this.count > 0 && (this.count >= this.maxRequests || this.bytes + bytes > this.maxBytes)) {
      this.chunk++;
      this.count = 0;
      this.bytes = 0;
    }
    this.count++;
    this.bytes += bytes;
    return this.chunk;
  }
  get chunks(): number {
    return this.count === 0 && this.chunk === 0 ? 0 : this.chunk + 1;
  }
}

function itemIdOf(record: Record<string, unknown>, idField: string | undefined, line: number): string | Error {
  if (!idField) return String(line);
  const value = record[idField];
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number') return String(value);
  return new Error(`missing id field "${idField}"`);
}

function render(spec: ResolvedSpec, record: Record<string, unknown>): NeutralRequest {
  const messages: ChatMessage[] = [];
  if (spec.template.system) messages.push({ role: 'system', content: renderTemplate(spec.template.system, record) });
  messages.push({ role: 'user', content: renderTemplate(spec.template.user, record) });
  return { model: spec.model, messages, maxTokens: spec.maxTokens };
}

export function createPlanActivities({ store }: ActivityDeps) {
  return {
    async planRun({ runId, spec }: PlanInput): Promise<PlanSummary> {
      await store.resetPlan(runId);
      const limits = spec.provider === 'anthropic' ? PROVIDER_BATCH_LIMITS.anthropic : PROVIDER_BATCH_LIMITS.openai;
      // Headroom under the byte cap for the line envelope and the schema repeated on each line.
      const cutter = new ChunkCutter(Math.min(spec.chunkSize, limits.maxRequests), limits.maxBytes * 0.95);
      const schemaBytes = spec.outputSchema ? JSON.stringify(spec.outputSchema).length : 0;
      const summary: PlanSummary = {
        lines: 0,
        accepted: 0,
        rejected: 0,
        duplicates: 0,
        uniqueRequests: 0,
        chunks: 0,
        estimatedTokens: { input: 0, output: 0 },
        estimatedCostUsd: 0,
      };
      const outputEstimate = Math.ceil(
        spec.maxTokens * SEED_DEFAULTS.outputEstimateShare * SEED_DEFAULTS.outputEstimateBuffer,
      );

      /** Turns a page of lines into item rows and first-seen requests; earlier pages are in the store. */
      const processPage = async (entries: DatasetEntry[]) => {
        const items: ItemRow[] = [];
        const requests: RequestRow[] = [];
        const candidates = entries.map((entry) => {
          if ('error' in entry) return { entry, error: entry.error };
          const itemId = itemIdOf(entry.record, spec.idField, entry.line);
          return itemId instanceof Error ? { entry, error: itemId.message } : { entry, itemId };
        });
        // Duplicate ids: the first line keeps the id, later lines are rejected and say where it was.
        const firstLineOfId = spec.idField
          ? await store.linesOfItemIds(
              runId,
              candidates.flatMap((c) => (c.itemId === undefined ? [] : [c.itemId])),
            )
          : new Map<string, number>();
        const pageKeys = new Set<string>();
        for (const { entry, itemId, error: lineError } of candidates) {
          let error = lineError;
          let request: NeutralRequest | undefined;
          if (!error && itemId !== undefined && spec.idField) {
            const first = firstLineOfId.get(itemId);
            if (first !== undefined) error = `duplicate id "${itemId}" (first on line ${first})`;
            else firstLineOfId.set(itemId, entry.line);
          }
          if (!error && 'record' in entry) {
            try {
              request = render(spec, entry.record);
            } catch (e) {
              if (!(e instanceof TemplateFieldMissing)) throw e;
              error = e.message;
            }
          }
          if (error || !request) {
            summary.rejected++;
            items.push({ line: entry.line, itemId, error });
            continue;
          }
          summary.accepted++;
          const dedupKey = dedupKeyOf(spec.provider, request, spec.outputSchema);
          items.push({ line: entry.line, itemId, dedupKey });
          if (pageKeys.has(dedupKey)) summary.duplicates++;
          else {
            pageKeys.add(dedupKey);
            requests.push({ dedupKey, chunk: 0, firstLine: entry.line, itemId, body: request });
          }
        }
        // First occurrences in this page may repeat a request stored by an earlier page.
        const known = await store.existingDedupKeys(
          runId,
          requests.map((r) => r.dedupKey),
        );
        const fresh: RequestRow[] = [];
        for (const request of requests) {
          if (known.has(request.dedupKey)) {
            summary.duplicates++;
            continue;
          }
          const bytes = JSON.stringify(request.body).length + schemaBytes + 200;
          request.chunk = cutter.place(bytes);
          fresh.push(request);
          summary.uniqueRequests++;
          summary.estimatedTokens.input +=
            Math.ceil(request.body.messages.reduce((n, m) => n + m.content.length, 0) / 4) + 8;
          summary.estimatedTokens.output += outputEstimate;
        }
        await store.insertRequests(runId, fresh);
        await store.insertItems(runId, items);
        heartbeat({ lines: summary.lines });
      };

      let page: DatasetEntry[] = [];
      for await (const entry of readDataset(spec.inputPath, spec.inputFormat, spec.limits.maxItemBytes)) {
        summary.lines++;
        page.push(entry);
        if (page.length >= FLUSH_EVERY) {
          await processPage(page);
          page = [];
        }
      }
      await processPage(page);
      summary.chunks = cutter.chunks;
      summary.estimatedCostUsd = costUsd(
        spec.model,
        spec.mode === 'sync' ? 'sync' : 'batch',
        summary.estimatedTokens.input,
        summary.estimatedTokens.output,
      );
      return summary;
    },
  };
}
