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

const WORDS = (
  'order parcel refund invoice account password login shipping delivery courier address payment card ' +
  'charge subscription upgrade downgrade cancel return exchange warranty broken damaged missing late ' +
  'email phone support agent ticket escalate manager discount coupon voucher price receipt tracking'
).split(' ');

/**
 * The cost issue's reference workload: support tickets whose prompts run about `promptTokens`
 * tokens (4 characters a token, as the simulator counts), every 4th line a copy of the line
 * before under a new id (25% duplicates). Text varies by a seeded generator, so runs repeat.
 */
export function writeSupportTickets(path: string, count: number, promptTokens = 500): void {
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
  const bodyChars = Math.max(40, promptTokens * 4 - 120);
  const lines: string[] = [];
  let previous = { subject: '', body: '' };
  for (let line = 1; line <= count; line++) {
    if (line % 4 === 0) {
      lines.push(JSON.stringify({ id: `ticket-${line}`, ...previous }));
      continue;
    }
    const words: string[] = [];
    let chars = 0;
    while (chars < bodyChars) {
      const word = WORDS[Math.floor(next() * WORDS.length)];
      words.push(word);
      chars += word.length + 1;
    }
    previous = { subject: `Ticket ${line}: ${words.slice(0, 4).join(' ')}`, body: words.join(' ') };
    lines.push(JSON.stringify({ id: `ticket-${line}`, ...previous }));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}
