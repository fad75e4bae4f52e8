// Plan's bulk loads: lines and requests go into the store with COPY (text format), and earlier pages are
// looked up only when a fixed-size filter says they may have been seen. Text that CSV or COPY
// treats specially must come back byte for byte; the filter must never say "new" for a seen key.
import { SeenFilter } from '../../activities/plan/seen-filter';
import type { ChatRequest } from '../../common';
import type { RunStore } from '../../store';
import * as fake from '../support/fake-provider';

let store: RunStore;
fake.useTestStore((opened) => (store = opened));

const TRICKY = [
  'plain',
  'a "quoted" word, and a comma',
  'two\nlines\r\nand a tab\t',
  'a backslash \\ and \\N and \\.',
  '',
  'ünïcödé 🎉 and NUL-free',
  '\\.',
];

describe('plan bulk loads (COPY)', () => {
  it('keeps every character of ids, errors and request bodies, and NULL apart from the empty string', async () => {
    await store.items.insert(
      'bulk',
      TRICKY.map((text, i) => ({ line: i + 1, itemId: text, error: i % 2 ? text : undefined, dedupKey: `k${i}` })),
    );
    await store.items.insertRequests(
      'bulk',
      TRICKY.map((text, i) => ({
        dedupKey: `k${i}`,
        chunk: 0,
        firstLine: i + 1,
        itemId: text,
        body: { model: 'gpt-4.1-mini', messages: [{ role: 'user' as const, content: text }], maxTokens: 5 },
        inputTokens: i,
      })),
    );
    const items = await store.sql.query<{ item_id: string | null; error: string | null }>(
      'select item_id, error from items where run_id = $1 order by line',
      ['bulk'],
    );
    expect(items.rows.map((r) => r.item_id)).toEqual(TRICKY);
    expect(items.rows.map((r) => r.error)).toEqual(TRICKY.map((text, i) => (i % 2 ? text : null)));
    const pending = await store.items.pendingRequests('bulk', 0);
    expect(pending.map((p) => (p.body as ChatRequest).messages[0].content)).toEqual(TRICKY);
    const tokens = await store.sql.query<{ input_tokens: number }>(
      'select input_tokens from requests where run_id = $1 order by first_line',
      ['bulk'],
    );
    expect(tokens.rows.map((r) => r.input_tokens)).toEqual(TRICKY.map((_, i) => i));
  });

  it('refuses a line loaded twice instead of keeping one silently', async () => {
    await store.items.insert('twice', [{ line: 1, itemId: 'a', dedupKey: 'k' }]);
    await expect(store.items.insert('twice', [{ line: 1, itemId: 'a', dedupKey: 'k' }])).rejects.toThrow(
      /duplicate key/,
    );
  });
});

describe('SeenFilter', () => {
  it('never calls a seen string new, and rarely calls a new one seen', () => {
    const filter = new SeenFilter();
    const seen = Array.from({ length: 200_000 }, (_, i) => `ticket-${i}`);
    for (const id of seen) filter.add(id);
    expect(seen.every((id) => filter.mayHave(id))).toBe(true);
    const unseen = Array.from({ length: 200_000 }, (_, i) => `other-${i}`);
    const falsePositives = unseen.filter((id) => filter.mayHave(id)).length;
    expect(falsePositives).toBeLessThan(20);
  });
});
