import { readFileSync } from 'node:fs';

export function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export interface DeadLetterLine {
  id: string;
  line: number;
  reason: string;
  retryable: boolean;
  attempts: { strike: number; kind: string; retryable: boolean; error: string }[];
}
