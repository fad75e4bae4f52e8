// One AbortSignal per provider call, tied to the activity's cancellation signal for just that call.
// The SDKs add an abort listener to the signal they are given and never remove it (openai's
// fetchWithTimeout: `{ once: true }`, gone only on abort), so a round that handed them the
// activity's own signal left one listener on it per call, retries and 429s included: Node's
// MaxListenersExceededWarning after a few dozen calls, and a slow leak. Here the activity's signal
// holds one listener per call in flight, removed when the call ends; the SDK's stays on the
// call's own signal, which is dropped with it.
export async function withCallSignal<T>(parent: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (parent.aborted) return call(parent);
  const controller = new AbortController();
  const abort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', abort, { once: true });
  try {
    return await call(controller.signal);
  } finally {
    parent.removeEventListener('abort', abort);
  }
}
