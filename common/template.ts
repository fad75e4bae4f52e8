// Renders {{field}} placeholders (dotted paths allowed) from one input item. Pure, so that plan,
// the spec loader and tests share it; a missing field is a line-level error, not a crash.

/** One path segment: letters (any script), digits, `_`, `$` and `-`. */
const SEGMENT = String.raw`[\p{L}\p{M}\p{N}_$-]+`;
const FIELD_PATH = String.raw`${SEGMENT}(?:\.${SEGMENT})*`;
const PLACEHOLDER = new RegExp(String.raw`\{\{\s*(${FIELD_PATH})\s*\}\}`, 'gu');
const PLAIN_INSIDE = new RegExp(String.raw`^\s*(${FIELD_PATH})\s*$`, 'u');

/** Names that reach an object's machinery rather than its data; never a field of an item. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/** A placeholder the item cannot fill: the field is absent, or null (said as such: the line holds it, empty). */
export class TemplateFieldMissing extends Error {
  constructor(
    readonly field: string,
    readonly isNull = false,
  ) {
    super(`template field "${field}" is ${isNull ? 'null' : 'missing'}`);
  }
}

export function templateFields(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Every placeholder that would not render as the author meant: `{{sub ject}}`, `{{a..b}}`, `{{}}`
 * and an unclosed `{{` are left in the prompt as literal text by renderTemplate, so they are
 * refused up front; `__proto__`, `prototype` and `constructor` never name an item's own data.
 * Each problem reads as the tail of a spec problem: `"{{sub ject}}" is not a field path ...`.
 */
export function templateProblems(template: string): string[] {
  const problems: string[] = [];
  let from = 0;
  for (let open = template.indexOf('{{', from); open !== -1; open = template.indexOf('{{', from)) {
    const close = template.indexOf('}}', open + 2);
    if (close === -1) {
      problems.push(`"${shorten(template.slice(open))}" has no closing }} (use {{field}} or {{a.b}})`);
      break;
    }
    const whole = template.slice(open, close + 2);
    const path = PLAIN_INSIDE.exec(template.slice(open + 2, close))?.[1];
    if (path === undefined) {
      problems.push(`"${shorten(whole)}" is not a field path (use {{field}} or {{a.b}})`);
    } else {
      const forbidden = path.split('.').find((segment) => FORBIDDEN_SEGMENTS.has(segment));
      if (forbidden) problems.push(`"${whole}" uses "${forbidden}", which cannot be a field name in a template`);
    }
    from = close + 2;
  }
  return problems;
}

/**
 * Follows a dotted path through the item's OWN properties only, so that `{{constructor}}`,
 * `{{toString}}` or `{{__proto__.x}}` are missing fields rather than Object.prototype's
 * functions rendered into a prompt.
 */
function lookup(item: Record<string, unknown>, path: string): unknown {
  let value: unknown = item;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function renderTemplate(template: string, item: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_all, field: string) => {
    const value = lookup(item, field);
    if (value === undefined || value === null) throw new TemplateFieldMissing(field, value === null);
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects were JSON-stringified above; what is left is a scalar
    return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}
