// A round of sync calls (strike 3, or every strike in sync mode): each pending item through the
// synchronous API, within the spec's concurrency and rpm / tpm limits, honoring retry-after. Every
// answer is stored as it arrives, so a retried activity (crash, timeout) only calls what is still
// pending; progress is heartbeated. Each call is recorded in the store before it is made, so a call
// whose answer a crash lost still shows in the report as unconfirmed spend. A refused API key
// (401/403) stops the round: it belongs to the run, not the item, and the chunk workflow waits for
// the key to work again. A worker that is shutting down finishes its calls in flight and hands the
// rest back. Calls are paced by a SyncPacer (sync-pacer.ts) shared by every round, run and worker
// that spends the same provider and model's limits.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { ApplicationFailure } from '@temporalio/common';
import { Context, heartbeat, log, sleep } from '@temporalio/activity';
import {
  classifyHttpFailure,
  costUsd,
  isRetryableKind,
  usageCostUsd,
  type FailureKind,
  type PriceTable,
  type ResolvedSpec,
  type TokenUsage,
} from '../common';
import { CircuitOpenError, classifyProviderError, isAuthError, type BatchProvider } from '../providers';
import { isEmbeddingRequest, type NeutralRequest } from '../common';
import type { ResultRow, RunStore } from '../store';
import type { ActivityDeps } from './deps';
import { withCallSignal } from './call-signal';
import { keepAlive } from './keep-alive';
import { recordStored, type RunMetrics } from './metrics';
import { checkAnswer } from './output-check';
import { priceModelFor } from './spend-estimate';
import { createSharedPacer, syncRateKey, type SyncPacer } from './sync-pacer';
import { countInputTokens } from './token-count';

/** Attempts per item within strike 3 for retryable failures (an open circuit does not count). */
export const SYNC_ATTEMPTS = 4;

export const WORKER_DRAINING = 'WorkerDraining';

export interface SyncStrikeInput {
  runId: string;
  chunk: number;
  strike: number;
  spec: ResolvedSpec;
  /** The model to call: the spec's, or budget's downgrade once the run is yellow. */
  model?: string;
}

export interface SyncStrikeOutcome {
  called: number;
  succeeded: number;
  failed: number;
}

/** Why a whole round stops early: the key is refused (run-level), or the worker shuts down. */
class RoundStopped extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** 1x, 4x, 16x... the spec's sync backoff (500 ms by default). */
function backoff(spec: ResolvedSpec, attempt: number): number {
  return spec.retry.syncBackoffMs * 4 ** (attempt - 1);
}

/**
 * What a call counts against the tpm: its input as the tokenizer counts it, and maxTokens of output,
 * as OpenAI counts a request when it admits it (before any output exists).
 */
function tpmEstimate(request: NeutralRequest): number {
  return countInputTokens(request) + (isEmbeddingRequest(request) ? 0 : request.maxTokens);
}

/**
 * What one call may cost at most, for the unconfirmed line of the report: input at 3 characters a
 * token plus framing (tokenizers average about 4 for prose) and output at maxTokens, at sync prices.
 */
export function worstCaseCallUsd(request: NeutralRequest, priceModel = request.model, prices?: PriceTable): number {
  if (isEmbeddingRequest(request)) return costUsd(priceModel, 'sync', Math.ceil(request.input.length / 3), 0, prices);
  const chars = request.messages.reduce((n, m) => n + m.content.length, 0);
  const input = Math.ceil(chars / 3) + 4 * request.messages.length;
  return costUsd(priceModel, 'sync', input, request.maxTokens, prices);
}

/** A provider error after which the provider may have done (and billed) the work anyway. */
function answerMayBeLost(error: unknown): boolean {
  const kind = classifyProviderError(error).kind;
  return kind === 'timeout' || kind === 'connection' || kind === 'server_error';
}

// eslint-disable-next-line max-lines-per-function -- issue 27: written before the rule, to be split into named steps
async function callOne(
  provider: BatchProvider,
  store: RunStore,
  input: SyncStrikeInput,
  item: { dedupKey: string; body: NeutralRequest },
  pacer: SyncPacer,
  metrics?: RunMetrics,
): Promise<boolean> {
  const { runId, chunk, strike, spec, model = spec.model } = input;
  const lane = { provider: spec.provider, model, mode: 'sync' } as const;
  const called = (outcome: Parameters<RunMetrics['syncCall']>[2]) => metrics?.syncCall(spec.provider, model, outcome);
  const priced = priceModelFor(spec, model);
  const syncCost = (usage: TokenUsage) => usageCostUsd(priced, 'sync', usage, spec.prices);
  const body = { ...item.body, model };
  const tokens = pacerNeedsTokens(spec) ? tpmEstimate(body) : 0;
  const signal = Context.current().cancellationSignal;
  let last: { kind: FailureKind; error: string } = { kind: 'server_error', error: 'not called' };
  let billedForFailures = 0; // answers that came back but failed the checks: billed all the same
  for (let attempt = 1; attempt <= SYNC_ATTEMPTS;) {
    await pacer.acquire(tokens);
    const callId = randomUUID();
    await store.recordSyncCall({
      callId,
      runId,
      chunk,
      dedupKey: item.dedupKey,
      strike,
      estimatedUsd: worstCaseCallUsd(body, priced, spec.prices),
    });
    try {
      const result = await withCallSignal(signal, (callSignal) =>
        provider.callSync({ customId: item.dedupKey, request: body }, spec.outputSchema, callSignal),
      );
      if (result.ok) {
        const check = checkAnswer(result.content, spec);
        called(check.ok ? 'answered' : 'failed');
        if (check.ok) {
          const { inputTokens, outputTokens, cacheWriteTokens, cacheReadTokens } = result.usage;
          const row: ResultRow = {
            dedupKey: item.dedupKey,
            output: result.content,
            parsed: check.parsed,
            provider: spec.provider,
            model,
            mode: 'sync',
            strike,
            inputTokens,
            outputTokens,
            cacheWriteTokens,
            cacheReadTokens,
            costUsd: syncCost(result.usage),
            syncCostUsd: syncCost(result.usage),
          };
          await store.insertResults(runId, [row], chunk);
          recordStored(metrics, lane, { results: [row], failures: [] });
          await store.settleSyncCall(callId, 'answered');
          return true;
        }
        last = { kind: check.kind, error: check.error };
        billedForFailures += syncCost(result.usage);
      } else {
        const kind = classifyHttpFailure(result.status, result.code);
        called(kind === 'rate_limited' ? 'rate_limited' : 'failed');
        if (kind === 'rate_limited') metrics?.rateLimited(spec.provider, model, 'sync');
        last = { kind, error: [result.status, result.code, result.message].filter(Boolean).join(' ') };
      }
      await store.settleSyncCall(callId, 'answered');
      if (!isRetryableKind(last.kind)) break;
      await sleep(backoff(spec, attempt));
      attempt++;
    } catch (error) {
      if (signal.aborted) throw error; // the call stays in_flight: it may have been billed
      if (error instanceof CircuitOpenError) {
        await store.settleSyncCall(callId, 'answered'); // never sent
        if (error.reason === 'auth') throw new RoundStopped(error);
        await sleep(error.retryAfterMs); // the provider is down: wait, do not spend an attempt
        continue;
      }
      await store.settleSyncCall(callId, answerMayBeLost(error) ? 'unconfirmed' : 'answered');
      if (isAuthError(error)) throw new RoundStopped(error);
      const classified = classifyProviderError(error);
      if (classified.kind === 'internal') throw error; // ours: let the activity boundary decide
      called(classified.kind === 'rate_limited' ? 'rate_limited' : 'error');
      if (classified.kind === 'rate_limited') metrics?.rateLimited(spec.provider, model, 'sync');
      last = { kind: classified.kind, error: classified.message };
      if (!classified.retryable) break;
      if (classified.kind === 'rate_limited') {
        // The provider pacing us, not the item failing: every lane waits as told (the pacer holds
        // them), and no attempt is spent.
        await pacer.holdFor(classified.retryAfterMs ?? backoff(spec, 1));
        continue;
      }
      await sleep(classified.retryAfterMs ?? backoff(spec, attempt));
      attempt++;
    }
  }
  const failure = {
    dedupKey: item.dedupKey,
    strike,
    kind: last.kind,
    retryable: isRetryableKind(last.kind),
    error: last.error,
    costUsd: billedForFailures,
  };
  const fresh = await store.recordFailures(runId, [failure], chunk);
  recordStored(metrics, lane, { results: [], failures: fresh.size ? [failure] : [] });
  return false;
}

const pacerNeedsTokens = (spec: ResolvedSpec) => spec.limits.syncTpm > 0;

export function createSyncStrikeActivities({
  store,
  providers,
  metrics,
  draining = () => false,
  syncPacer = (spec, model) =>
    createSharedPacer(
      store.rates,
      syncRateKey(spec.provider, model),
      { rpm: spec.limits.syncRpm, tpm: spec.limits.syncTpm },
      { sleep: (ms) => sleep(ms) },
    ),
}: ActivityDeps) {
  return {
    async syncStrike(input: SyncStrikeInput): Promise<SyncStrikeOutcome> {
      const { runId, chunk, spec } = input;
      const pending = await store.pendingRequests(runId, chunk);
      const provider = providers.get(spec.provider, input.model ?? spec.model, spec);
      const pacer = syncPacer(spec, input.model ?? spec.model);
      const outcome: SyncStrikeOutcome = { called: pending.length, succeeded: 0, failed: 0 };
      let next = 0;
      let stopped: RoundStopped | undefined;
      const pump = async () => {
        while (next < pending.length && !stopped && !draining()) {
          const item = pending[next++];
          try {
            if (await callOne(provider, store, input, item, pacer, metrics)) outcome.succeeded++;
            else outcome.failed++;
          } catch (error) {
            // One lane's trouble stops the others from taking new items; calls in flight finish.
            if (error instanceof RoundStopped) stopped ??= error;
            else stopped ??= new RoundStopped(error);
          }
          heartbeat(progress());
        }
      };
      const progress = () => ({ done: outcome.succeeded + outcome.failed, of: pending.length });
      const lanes = Math.max(1, Math.min(spec.limits.syncConcurrency, pending.length));
      // Each lane's call in flight holds one listener on the activity's cancellation signal (and only
      // while in flight: withCallSignal), so more than Node's default of 10 is expected, not a leak.
      setMaxListeners(lanes + 10, Context.current().cancellationSignal);
      // Heartbeats go on while every lane waits (a long retry-after, a low rpm), not only after calls.
      await keepAlive(() => Promise.all(Array.from({ length: lanes }, pump)), progress);
      log.info('sync round done', { runId, chunk, strike: input.strike, ...outcome });
      if (stopped) throw stopped.cause;
      if (next < pending.length) {
        throw ApplicationFailure.retryable(
          `worker shutting down: ${pending.length - next} of ${pending.length} sync calls left for another worker`,
          WORKER_DRAINING,
        );
      }
      return outcome;
    },
  };
}
