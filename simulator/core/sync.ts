// What every sync lane shares (OpenAI's and Azure's chat completions and embeddings, Anthropic's
// messages): a request is counted against its provider's sync.rpm/tpm window, and draws the same
// per-item faults as a batch line (per attempt), so strike 3 meets failures too.
import { Outcome, drawOutcome, itemRatesOf } from './batch-results';
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
 * permanent, or corrupt. `key` (the request body's hash) decides the permanent error, as for a
 * batch line, unless the profile has items.permanentErrorsRedrawn.
 */
export function drawSyncFault(state: SimulatorState, key: string): Outcome {
  return drawOutcome(itemRatesOf(state.profile), state.syncRng, key);
}
