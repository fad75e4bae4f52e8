// A JSONL input's template fields checked before a run starts, as a CSV's are against its header:
// `{{toString}}` or `{{subjct}}` would otherwise reject every line, one by one, after planning.
// JSONL has no header, so the first lines stand for the file: a placeholder whose first path
// segment none of them holds is refused (a field that only later lines hold is rare, and the
// message says where to look).
import { closeSync, openSync, readSync } from 'node:fs';
import { templateFields, templateProblems, type RunSpec } from '../common';

const SAMPLE_BYTES = 1024 * 1024;
const SAMPLE_LINES = 1000;

/** The own top-level keys of the first parseable object lines of a JSONL file. */
export function jsonlFieldsSample(path: string): { keys: Set<string>; lines: number } {
  const buffer = Buffer.alloc(SAMPLE_BYTES);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, buffer, 0, SAMPLE_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const text = buffer.subarray(0, read).toString('utf8');
  // The last line may be cut by the sample's end: only whole lines count.
  const whole = read < SAMPLE_BYTES ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  const keys = new Set<string>();
  let lines = 0;
  for (const line of whole.split('\n').slice(0, SAMPLE_LINES)) {
    if (!line.trim()) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
      lines++;
      for (const key of Object.keys(value)) keys.add(key);
    } catch {
      // A broken line is plan's to reject; it tells nothing of the fields.
    }
  }
  return { keys, lines };
}

export function checkJsonlTemplateFields(spec: RunSpec, inputPath: string, problems: string[]) {
  const parts = (['system', 'user'] as const).filter((part) => spec.template?.[part]);
  if (parts.length === 0) return;
  const { keys, lines } = jsonlFieldsSample(inputPath);
  if (lines === 0) return;
  const known = [...keys].slice(0, 12).join(', ') + (keys.size > 12 ? ', ...' : '');
  for (const part of parts) {
    for (const field of new Set(templateFields(spec.template![part]!))) {
      // A placeholder refused by the template checks is reported there, once.
      if (templateProblems(`{{${field}}}`).length > 0 || keys.has(field.split('.')[0])) continue;
      problems.push(
        `template.${part}: "{{${field}}}" names no field of the first ${lines} lines of ${inputPath} (fields: ${known})`,
      );
    }
  }
}
