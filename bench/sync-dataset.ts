// The sync bench's dataset: support tickets with no two alike, so llmbatch's dedup and cache answer
// none of them and both sides make exactly one call a line.
import { writeFileSync } from 'node:fs';

const ISSUES = ['was charged twice', 'never arrived', 'cannot log in', 'arrived broken', 'wants a refund'];

export function writeUniqueTicketsFile(path: string, count: number): Promise<void> {
  const lines: string[] = [];
  for (let n = 1; n <= count; n++) {
    const issue = ISSUES[n % ISSUES.length];
    lines.push(
      JSON.stringify({
        id: `ticket-${n}`,
        subject: `Order ${100_000 + n} ${issue}`,
        body: `Customer ${n} writes that order ${100_000 + n} ${issue}; they have written ${n % 7} times before.`,
      }),
    );
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return Promise.resolve();
}
