// Which model and which lane an item goes to (INTERFACE.md `routing`, `hybrid`): pure rules over
// the item's own fields and its counted input tokens, the same in plan, estimate and tests.
import { costUsd } from './pricing';
import type { FieldMatch, RouteRule } from './route-types';
import type { FailoverRoute, ResolvedSpec } from './spec';

export type { FieldMatch, RouteCondition, RouteRule } from './route-types';

/** Whether the item's own field (never one it inherits) holds the value; CSV's text "5" matches 5. */
export function matchesField(record: Record<string, unknown>, match: FieldMatch): boolean {
  if (!Object.hasOwn(record, match.field)) return false;
  const value = record[match.field];
  if (value === match.equals) return true;
  return (
    (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') &&
    String(value) === String(match.equals)
  );
}

/** Whether any rule needs the item's token count (so plan counts it before the model is known). */
export function routesByTokens(rules: readonly RouteRule[] | undefined): boolean {
  return (rules ?? []).some((rule) => 'inputTokensOver' in rule.when);
}

/** The model of the first rule the item matches, else `fallback`. `inputTokens` is asked only if a rule needs it. */
export function routeModel(
  rules: readonly RouteRule[] | undefined,
  record: Record<string, unknown>,
  inputTokens: () => number,
  fallback: string,
): string {
  for (const rule of rules ?? []) {
    const when = rule.when;
    if ('inputTokensOver' in when ? inputTokens() > when.inputTokensOver : matchesField(record, when))
      return rule.model;
  }
  return fallback;
}

/** What plan decided for one chunk: its model and lane. */
export interface ChunkLaneOf {
  model: string;
  mode: 'batch' | 'sync';
}

/**
 * The spec a chunk runs under: its own model and lane in place of the run's. Its prices are its
 * model's (an Azure deployment's deploymentModel stands only for the spec's model), and the budget's
 * downgrade applies only where it is cheaper than the model the chunk was routed to.
 */
export function laneSpec(spec: ResolvedSpec, lane: ChunkLaneOf | undefined): ResolvedSpec {
  if (!lane || (lane.model === spec.model && lane.mode === spec.mode)) return spec;
  const rerouted = lane.model !== spec.model;
  const perMillion = (model: string) => costUsd(model, 'batch', 1e6, 1e6, spec.prices);
  const downgradeTo =
    spec.downgradeTo && (!rerouted || perMillion(spec.downgradeTo) < perMillion(lane.model))
      ? spec.downgradeTo
      : undefined;
  return {
    ...spec,
    model: lane.model,
    mode: lane.mode,
    ...(rerouted ? { priceModel: undefined } : {}),
    downgradeTo,
  };
}

/**
 * The spec a chunk runs under once it moved to a failover entry: that provider and model (and
 * lane, else the chunk's own; a hybrid lane is already batch or sync), priced as that model. The
 * budget's downgrade belongs to the first provider's models: it does not follow.
 */
export function failoverSpec(spec: ResolvedSpec, route: FailoverRoute): ResolvedSpec {
  return {
    ...spec,
    provider: route.provider,
    model: route.model,
    mode: route.mode ?? (spec.mode === 'sync' ? 'sync' : 'batch'),
    priceModel: undefined,
    downgradeTo: undefined,
  };
}
