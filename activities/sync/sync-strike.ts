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
} from '../../common';
import {
  CircuitOpenError,
  classifyProviderError,
  isAuthError,
  type BatchProvider,
  type ItemResult,
} from '../../providers';
import { isEmbeddingRequest, type NeutralRequest } from '../../common';
import type { RunStore } from '../../store';
import { answerRow } from '../answers/answer-row';
import type { ActivityDeps } from '../deps';
import { withCallSignal } from './call-signal';
import { keepAlive } from '../keep-alive';
import { recordStored, type RunMetrics, type SyncCallOutcome } from '../alerts/metrics';
import { checkAnswer } from '../answers/output-check';
import { priceModelFor } from '../spend/spend-estimate';
import { createSharedPacer, syncRateKey, type SyncPacer } from './sync-pacer';
import { countInputTokens } from '../plan/token-count';

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

/** One pending item's sync call, with what its attempts have come to so far. */
interface ItemCall {
  provider: BatchProvider;
  store: RunStore;
  pacer: SyncPacer;
  metrics?: RunMetrics;
  input: SyncStrikeInput;
  model: string;
  lane: { provider: string; model: string; mode: 'sync' };
  priced: string;
  dedupKey: string;
  body: NeutralRequest;
  tokens: number;
  signal: AbortSignal;
  /** What the item is recorded as failing with when no attempt answers it: the latest attempt's failure. */
  last: { kind: FailureKind; error: string };
  /** Answers that came back but failed the checks: billed all the same. */
  billedForFailures: number;
}

/** After an attempt: the item is answered, has failed for good, or goes again, spending an attempt or not. */
type AttemptEnd = 'answered' | 'failed' | 'retry' | 'retry_unspent';

function countCall(call: ItemCall, outcome: SyncCallOutcome): void {
  call.metrics?.syncCall(call.input.spec.provider, call.model, outcome);
}

function countRateLimited(call: ItemCall): void {
  call.metrics?.rateLimited(call.input.spec.provider, call.model, 'sync');
}

const syncCostOf = (call: ItemCall, usage: TokenUsage) =>
  usageCostUsd(call.priced, 'sync', usage, call.input.spec.prices);

/** Stores an answer that passes its checks (true), or notes why the provider's answer is a failure. */
async function takeAnswer(call: ItemCall, callId: string, result: ItemResult): Promise<boolean> {
  const { store, input, lane, dedupKey } = call;
  if (!result.ok) {
    const kind = classifyHttpFailure(result.status, result.code);
    countCall(call, kind === 'rate_limited' ? 'rate_limited' : 'failed');
    if (kind === 'rate_limited') countRateLimited(call);
    call.last = { kind, error: [result.status, result.code, result.message].filter(Boolean).join(' ') };
    return false;
  }
  const check = checkAnswer(result.content, input.spec);
  countCall(call, check.ok ? 'answered' : 'failed');
  if (!check.ok) {
    call.last = { kind: check.kind, error: check.error };
    call.billedForFailures += syncCostOf(call, result.usage);
    return false;
  }
  const cost = syncCostOf(call, result.usage);
  const answer = { dedupKey, output: result.content, parsed: check.parsed, usage: result.usage };
  const row = answerRow(answer, lane, input.strike, { costUsd: cost, syncCostUsd: cost });
  await store.results.insert(input.runId, [row], input.chunk);
  recordStored(call.metrics, lane, { results: [row], failures: [] });
  await store.syncCalls.settle(callId, 'answered');
  return true;
}

/** A call that threw: the round stops, the error goes up, or the item goes again after a wait. */
async function callThrew(call: ItemCall, callId: string, error: unknown, attempt: number): Promise<AttemptEnd> {
  const { store, input, pacer } = call;
  if (call.signal.aborted) throw error; // the call stays in_flight: it may have been billed
  if (error instanceof CircuitOpenError) {
    await store.syncCalls.settle(callId, 'answered'); // never sent
    if (error.reason === 'auth') throw new RoundStopped(error);
    await sleep(error.retryAfterMs); // the provider is down: wait, do not spend an attempt
    return 'retry_unspent';
  }
  await store.syncCalls.settle(callId, answerMayBeLost(error) ? 'unconfirmed' : 'answered');
  if (isAuthError(error)) throw new RoundStopped(error);
  const classified = classifyProviderError(error);
  if (classified.kind === 'internal') throw error; // ours: let the activity boundary decide
  countCall(call, classified.kind === 'rate_limited' ? 'rate_limited' : 'error');
  if (classified.kind === 'rate_limited') countRateLimited(call);
  call.last = { kind: classified.kind, error: classified.message };
  if (!classified.retryable) return 'failed';
  if (classified.kind === 'rate_limited') {
    // The provider pacing us, not the item failing: every lane waits as told (the pacer holds
    // them), and no attempt is spent.
    await pacer.holdFor(classified.retryAfterMs ?? backoff(input.spec, 1));
    return 'retry_unspent';
  }
  await sleep(classified.retryAfterMs ?? backoff(input.spec, attempt));
  return 'retry';
}

async function attemptCall(call: ItemCall, attempt: number): Promise<AttemptEnd> {
  const { provider, store, input, dedupKey, body, signal } = call;
  const { runId, chunk, strike, spec } = input;
  await call.pacer.acquire(call.tokens);
  const callId = randomUUID();
  const estimatedUsd = worstCaseCallUsd(body, call.priced, spec.prices);
  await store.syncCalls.record({ callId, runId, chunk, dedupKey, strike, estimatedUsd });
  try {
    const result = await withCallSignal(signal, (callSignal) =>
      provider.callSync({ customId: dedupKey, request: body }, spec.outputSchema, callSignal),
    );
    if (await takeAnswer(call, callId, result)) return 'answered';
    await store.syncCalls.settle(callId, 'answered');
    if (!isRetryableKind(call.last.kind)) return 'failed';
    await sleep(backoff(spec, attempt));
    return 'retry';
  } catch (error) {
    return await callThrew(call, callId, error, attempt);
  }
}

async function recordItemFailure(call: ItemCall): Promise<void> {
  const { store, input, last } = call;
  const failure = {
    dedupKey: call.dedupKey,
    strike: input.strike,
    kind: last.kind,
    retryable: isRetryableKind(last.kind),
    error: last.error,
    costUsd: call.billedForFailures,
  };
  const fresh = await store.results.recordFailures(input.runId, [failure], input.chunk);
  recordStored(call.metrics, call.lane, { results: [], failures: fresh.size ? [failure] : [] });
}

async function callOne(
  provider: BatchProvider,
  store: RunStore,
  input: SyncStrikeInput,
  item: { dedupKey: string; body: NeutralRequest },
  pacer: SyncPacer,
  metrics?: RunMetrics,
): Promise<boolean> {
  const { spec, model = spec.model } = input;
  const priced = priceModelFor(spec, model);
  const body = { ...item.body, model };
  const call: ItemCall = {
    provider,
    store,
    pacer,
    metrics,
    input,
    model,
    lane: { provider: spec.provider, model, mode: 'sync' },
    priced,
    dedupKey: item.dedupKey,
    body,
    tokens: pacerNeedsTokens(spec) ? tpmEstimate(body) : 0,
    signal: Context.current().cancellationSignal,
    last: { kind: 'server_error', error: 'not called' },
    billedForFailures: 0,
  };
  for (let attempt = 1; attempt <= SYNC_ATTEMPTS;) {
    const end = await attemptCall(call, attempt);
    if (end === 'answered') return true;
    if (end === 'failed') break;
    if (end === 'retry') attempt++;
  }
  await recordItemFailure(call);
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
      const pending = await store.items.pendingRequests(runId, chunk);
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
