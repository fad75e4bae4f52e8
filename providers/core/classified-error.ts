// What a provider error is to us, in its own file so that each family's error translator
// (providers/<family>/*-errors.ts) can name it without importing core/errors.ts, which imports them.
import type { FailureKind } from '../../common';

export interface ClassifiedError {
  kind: FailureKind;
  retryable: boolean;
  message: string;
  /** From `retry-after-ms` / `retry-after`, when the provider gave one. */
  retryAfterMs?: number;
}
