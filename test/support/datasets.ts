// Test datasets: ticket-like JSONL with optional duplicates, bad lines and a planted marker.
import { writeFileSync } from 'node:fs';

export interface DatasetOptions {
  /** Every n-th line repeats an earlier item's text under a new id (an in-run duplicate). */
  duplicateEvery?: number;
  /** Lines (1-based) that are broken: invalid JSON, or missing a template field. */
  invalidJsonLines?: number[];
  missingFieldLines?: number[];
  /** A string planted in every prompt (and so in every free-text output). */
  marker?: string;
}

export function writeTickets(path: string, count: number, options: DatasetOptions = {}): void {
  const lines: string[] = [];
  for (let line = 1; line <= count; line++) {
    const id = `t${line}`;
    if (options.invalidJsonLines?.includes(line)) {
      lines.push(`{"id": "${id}", "subject": "broken`);
      continue;
    }
    if (options.missingFieldLines?.includes(line)) {
      lines.push(JSON.stringify({ id, subject: 'no body here' }));
      continue;
    }
    const source = options.duplicateEvery && line % options.duplicateEvery === 0 ? Math.max(1, line - 7) : line;
    const marker = options.marker ? ` ${options.marker}` : '';
    lines.push(
      JSON.stringify({
        id,
        subject: `Order ${source} problem${marker}`,
        body: `Customer ${source % 97} writes about order #${100000 + source}: the parcel is late.${marker}`,
      }),
    );
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

export const LABEL_SCHEMA = {
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['billing', 'shipping', 'bug', 'other'] },
    urgent: { type: 'boolean' },
  },
  required: ['category', 'urgent'],
  additionalProperties: false,
};

/**
 * The cost issue's reference workload: support tickets of about `promptTokens` tokens, every 4th
 * line a copy of the one before under a new id (25% duplicates). Shared with the e2e bench.
 */
export { writeSupportTicketsFile as writeSupportTickets } from '../../bench/e2e-dataset';
