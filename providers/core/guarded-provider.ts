// Puts a provider behind its circuit breaker: every call goes through the breaker, so an outage
// seen by one activity pauses all of them.
import type { JsonSchema } from '../../common';
import type { CircuitBreaker } from './circuit-breaker';
import type { BatchProvider, BatchRequest, CreateOptions, FindHint } from './types';

export function guardProvider(inner: BatchProvider, breaker: CircuitBreaker): BatchProvider {
  return {
    name: inner.name,
    findBatch: (key: string, hint: FindHint) => breaker.run(() => inner.findBatch(key, hint)),
    createBatch: (
      requests: AsyncIterable<BatchRequest>,
      schema: JsonSchema | undefined,
      key: string,
      metadata: Record<string, string>,
      options?: CreateOptions,
    ) => breaker.run(() => inner.createBatch(requests, schema, key, metadata, options)),
    getBatch: (id: string) => breaker.run(() => inner.getBatch(id)),
    cancelBatch: (id: string) => breaker.run(() => inner.cancelBatch(id)),
    callSync: (request: BatchRequest, schema: JsonSchema | undefined, signal?: AbortSignal) =>
      breaker.run(() => inner.callSync(request, schema, signal)),
    // Downloads stream; a failure mid-way fails the collect activity, which Temporal retries.
    readResults: (batch) => inner.readResults(batch),
    ...(inner.reportedUsage ? { reportedUsage: (batch) => inner.reportedUsage!(batch) } : {}),
  };
}
