// What every sync lane shares (OpenAI's and Azure's chat completions and embeddings, Anthropic's
// messages): a request is counted against its provider's sync.rpm/tpm window, and draws the same
// per-item faults as a batch line (per attempt), so strike 3 meets failures too.
import { Outcome } from './batch-results';
import type { Provider } from './ledger';
import type { LimitVerdict } from './rate-limit';
import type { SimulatorState } from './state';

/** Counts the request against the provider's window; the caller turns a refusal into its own 429. */
export function checkLimits(state: SimulatorState, provider: Provider, tokens: number): LimitVerdict {
  const { rpm, tpm, windowMs } = state.profile.sync;
  state.ledger.countSyncRequest(state.now(), windowMs);
  const verdict = state.limiter(provider).admit(state.now(), tokens, rpm, tpm, windowMs);
  if (!verdict.ok) state.ledger.countRateLimited();
  return verdict;
}

/**
 * Two draws per attempt, like a batch line: retryable (the second draw picks which kind),
 * permanent, or corrupt.
 */
export function drawSyncFault(state: SimulatorState): Outcome {
  const { retryableErrorRate: r, permanentErrorRate: p, corruptRate: c } = state.profile.items;
  const u = state.syncRng.next();
  const v = state.syncRng.next();
  if (u < r) return v < 0.5 ? Outcome.Retryable500 : Outcome.Retryable429;
  if (u < r + p) return Outcome.Permanent;
  if (u < r + p + c) return v < 0.5 ? Outcome.CorruptSchema : Outcome.CorruptEmpty;
  return Outcome.Ok;
}
