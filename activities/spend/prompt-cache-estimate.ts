// How much of a lane's prompt the provider's prompt cache will bill at its own rates. A run whose
// system prompt is marked for caching (common/prompt-cache.ts) sends the same prefix with every
// request: the first request of each batch is counted as a write (the provider processes a batch's
// requests concurrently, and a batch may start after the last one's 5-minute TTL ran out), every
// other request as a read. Without this the estimate priced every prefix token as input: 5x high
// on a 2,000-token cached policy.
import { cachesSystemPrompt, minCacheableTokens, type PlanLane, type ResolvedSpec } from '../../common';
import { countSystemTokens } from '../plan/token-count';

export interface LaneTally {
  model: string;
  /** Counted input tokens of the lane's requests. */
  input: number;
  requests: number;
  /** Batches (chunks) the lane's requests were cut into. */
  chunks: number;
}

export function promptCacheShares(spec: ResolvedSpec, lane: LaneTally): PlanLane['promptCache'] | undefined {
  const system = spec.template?.system;
  if (!system || lane.input <= 0 || lane.requests === 0 || !cachesSystemPrompt({ ...spec, model: lane.model }))
    return undefined;
  const prefix = countSystemTokens(system, lane.model);
  if (prefix < minCacheableTokens(lane.model)) return undefined;
  const writes = Math.min(lane.requests, Math.max(1, lane.chunks));
  return {
    writeShare: Math.min(1, (prefix * writes) / lane.input),
    readShare: Math.min(1, (prefix * (lane.requests - writes)) / lane.input),
  };
}
