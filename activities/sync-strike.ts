// Strike 3: each remaining item through the synchronous API, within the spec's concurrency and
// rpm / tpm limits, honoring retry-after. Every answer is stored as it arrives, so a retried
// activity (crash, timeout) only calls what is still pending; progress is heartbeated.
import { Context, heartbeat, log, sleep } from '@temporalio/activity';
import { RateLimiter } from 'limiter';
import { classifyHttpFailure, costUsd, isRetryableKind, type FailureKind, type ResolvedSpec } from '../common';
import { CircuitOpenError, classifyProviderError, type BatchProvider } from '../providers';
import type { NeutralRequest, RunStore } from '../store';
import type { ActivityDeps } from './deps';
import { checkOutput } from './output-check';

/** Attempts per item within strike 3 for retryable failures (an open circuit does not count). */
export const SYNC_ATTEMPTS = 4;

export interface SyncStrikeInput {
  runId: string;
  chunk: number;
  strike: number;
  spec: ResolvedSpec;
}

export interface SyncStrikeOutcome {
  called: number;
  succeeded: number;
  failed: number;
}

interface Limits {
  rpm?: RateLimiter;
  tpm?: RateLimiter;
  tpmCap: number;
}

/** 1x, 4x, 16x... the spec's sync backoff (500 ms by default). */
function backoff(spec: ResolvedSpec, attempt: number): number {
  return spec.retry.syncBackoffMs * 4 ** (attempt - 1);
}

function estimateTokens(request: NeutralRequest): number {
  return Math.ceil(request.messages.reduce((n, m) => n + m.content.length, 0) / 4) + request.maxTokens;
}

async function callOne(
  provider: BatchProvider,
  store: RunStore,
  input: SyncStrikeInput,
  item: { dedupKey: string; body: NeutralRequest },
  limits: Limits,
): Promise<boolean> {
  const { runId, strike, spec } = input;
  const signal = Context.current().cancellationSignal;
  let last: { kind: FailureKind; error: string } = { kind: 'server_error', error: 'not called' };
  for (let attempt = 1; attempt <= SYNC_ATTEMPTS;) {
    await limits.rpm?.removeTokens(1);
    await limits.tpm?.removeTokens(Math.min(estimateTokens(item.body), limits.tpmCap));
    try {
      const result = await provider.callSync(
        { customId: item.dedupKey, request: item.body },
        spec.outputSchema,
        signal,
      );
      if (result.ok) {
        const check = checkOutput(result.content, spec.outputSchema);
        if (check.ok) {
          const { inputTokens, outputTokens } = result.usage;
          await store.insertResults(runId, [
            {
              dedupKey: item.dedupKey,
              output: result.content,
              parsed: check.parsed,
              provider: spec.provider,
              model: spec.model,
              mode: 'sync',
              strike,
              inputTokens,
              outputTokens,
              costUsd: costUsd(spec.model, 'sync', inputTokens, outputTokens),
              syncCostUsd: costUsd(spec.model, 'sync', inputTokens, outputTokens),
            },
          ]);
          return true;
        }
        last = { kind: check.kind, error: check.error };
      } else {
        const kind = classifyHttpFailure(result.status, result.code);
        last = { kind, error: [result.status, result.code, result.message].filter(Boolean).join(' ') };
        if (!isRetryableKind(kind)) break;
      }
      await sleep(backoff(spec, attempt));
      attempt++;
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof CircuitOpenError) {
        await sleep(error.retryAfterMs); // the provider is down: wait, do not spend an attempt
        continue;
      }
      const classified = classifyProviderError(error);
      last = { kind: classified.kind, error: classified.message };
      if (!classified.retryable) break;
      await sleep(classified.retryAfterMs ?? backoff(spec, attempt));
      // A 429 is the provider pacing us, not the item failing: wait as told without spending an attempt.
      if (classified.kind !== 'rate_limited') attempt++;
    }
  }
  await store.recordFailures(runId, [
    { dedupKey: item.dedupKey, strike, kind: last.kind, retryable: isRetryableKind(last.kind), error: last.error },
  ]);
  return false;
}

export function createSyncStrikeActivities({ store, providers }: ActivityDeps) {
  return {
    async syncStrike(input: SyncStrikeInput): Promise<SyncStrikeOutcome> {
      const { runId, chunk, spec } = input;
      const pending = await store.pendingRequests(runId, chunk);
      const provider = providers.get(spec.provider, spec.model);
      const limits: Limits = {
        rpm: spec.limits.syncRpm
          ? new RateLimiter({ tokensPerInterval: spec.limits.syncRpm, interval: 'minute' })
          : undefined,
        tpm: spec.limits.syncTpm
          ? new RateLimiter({ tokensPerInterval: spec.limits.syncTpm, interval: 'minute' })
          : undefined,
        tpmCap: spec.limits.syncTpm || Infinity,
      };
      const outcome: SyncStrikeOutcome = { called: pending.length, succeeded: 0, failed: 0 };
      let next = 0;
      const pump = async () => {
        while (next < pending.length) {
          const item = pending[next++];
          if (await callOne(provider, store, input, item, limits)) outcome.succeeded++;
          else outcome.failed++;
          heartbeat({ done: outcome.succeeded + outcome.failed, of: pending.length });
        }
      };
      const lanes = Math.max(1, Math.min(spec.limits.syncConcurrency, pending.length));
      await Promise.all(Array.from({ length: lanes }, pump));
      log.info('strike 3 done', { runId, chunk, ...outcome });
      return outcome;
    },
  };
}
