// The shapes of a spec's routing rules, apart from routing.ts (which reads specs) so that spec.ts
// can name them without a circle.
/** An item whose field holds a value: `{ field: priority, equals: high }`. */
export interface FieldMatch {
  field: string;
  equals: string | number | boolean;
}

export type RouteCondition = FieldMatch | { inputTokensOver: number };

export interface RouteRule {
  when: RouteCondition;
  model: string;
}
