// The faults a Gemini sync call draws (generateContent, batchEmbedContents), answered as the API
// answers them: a permanent 400 that repeats for the same request, 503 overloaded, 500 internal.
import { googleError } from '../core/errors';
import { Outcome } from '../core/batch-results';

/** Throws the API's error for a drawn fault; returns for an answer (clean or to be corrupted). */
export function throwGeminiSyncFault(outcome: Outcome): void {
  if (outcome === Outcome.Permanent)
    throw googleError(
      400,
      'Request contains an invalid argument (simulated permanent failure): this request will fail the same way if retried.',
    );
  if (outcome === Outcome.Retryable429)
    throw googleError(503, 'The model is overloaded. Please try again later. (simulated)');
  if (outcome === Outcome.Retryable500)
    throw googleError(500, 'An internal error has occurred (simulated). Please retry.');
}
