// The e2e bench's dataset, also the cost tests' (test/support/datasets.ts): the cost issue's
// reference workload (same seed, same lines), written in blocks rather than joined whole, so that
// a million lines (over V8's largest string) can be made too.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const WORDS = (
  'order parcel refund invoice account password login shipping delivery courier address payment card ' +
  'charge subscription upgrade downgrade cancel return exchange warranty broken damaged missing late ' +
  'email phone support agent ticket escalate manager discount coupon voucher price receipt tracking'
).split(' ');

/**
 * Support tickets whose prompts run about `promptTokens` tokens (4 characters a token, as the
 * simulator counts), every 4th line a copy of the line before under a new id (25% duplicates).
 */
export async function writeSupportTicketsFile(path: string, count: number, promptTokens: number): Promise<void> {
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
  const bodyChars = Math.max(40, promptTokens * 4 - 120);
  const out = createWriteStream(path);
  let block: string[] = [];
  let previous = { subject: '', body: '' };
  for (let line = 1; line <= count; line++) {
    if (line % 4 === 0) {
      block.push(JSON.stringify({ id: `ticket-${line}`, ...previous }));
    } else {
      const words: string[] = [];
      let chars = 0;
      while (chars < bodyChars) {
        const word = WORDS[Math.floor(next() * WORDS.length)];
        words.push(word);
        chars += word.length + 1;
      }
      previous = { subject: `Ticket ${line}: ${words.slice(0, 4).join(' ')}`, body: words.join(' ') };
      block.push(JSON.stringify({ id: `ticket-${line}`, ...previous }));
    }
    if (block.length === 10_000 || line === count) {
      if (!out.write(block.join('\n') + '\n')) await once(out, 'drain');
      block = [];
    }
  }
  out.end();
  await once(out, 'finish');
}
