// Renders {{field}} placeholders (dotted paths allowed) from one input item. Pure, so that plan
// and tests share it; a missing field is a line-level error, not a crash.
const PLACEHOLDER = /\{\{\s*([a-zA-Z0-9_$][\w$.-]*)\s*\}\}/g;

export class TemplateFieldMissing extends Error {
  constructor(readonly field: string) {
    super(`template field "${field}" is missing`);
  }
}

export function templateFields(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

function lookup(item: Record<string, unknown>, path: string): unknown {
  let value: unknown = item;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function renderTemplate(template: string, item: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_all, field: string) => {
    const value = lookup(item, field);
    if (value === undefined || value === null) throw new TemplateFieldMissing(field);
    return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}
