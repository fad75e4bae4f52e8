// Bad input never crashes or stalls a run: each broken line is rejected with its line number and
// a reason a person can act on, and every other line completes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { activityFailureOf } from '../support/activity-failure';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';

describe('bad input lines', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 } } });
  });
  afterAll(async () => h?.close());

  it('rejects each with its line and reason, and completes the rest', async () => {
    const good = (n: number) => JSON.stringify({ id: `t${n}`, subject: `Order ${n}`, body: `Where is order ${n}?` });
    const lines: Buffer[] = [];
    for (let n = 1; n <= 60; n++) lines.push(Buffer.from(good(n)));
    lines[4] = Buffer.from('{"id": "t5", "subject": "cut off'); // line 5: malformed JSON
    lines[9] = Buffer.from(JSON.stringify({ id: 't10', subject: 'no body' })); // line 10: missing field
    lines[14] = Buffer.from(JSON.stringify({ id: 't15', subject: 'huge', body: 'x'.repeat(5 * 1024 * 1024) })); // line 15: 5 MB
    lines[19] = Buffer.concat([
      Buffer.from('{"id": "t20", "subject": "caf'),
      Buffer.from([0xe9]),
      Buffer.from('", "body": "b"}'),
    ]); // line 20: Latin-1 byte
    lines[24] = Buffer.from(JSON.stringify({ id: 't3', subject: 'again', body: 'same id as line 3' })); // line 25: duplicate id
    lines[29] = Buffer.from('["not", "an", "object"]'); // line 30
    writeFileSync(join(h.dir, 'tickets.jsonl'), Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));

    const spec = loadSpec(h.writeSpec(fastSpec({ chunkSize: 20 })));
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-bad-${Date.now()}` })
    ).result();

    expect(readJsonl(report.files.rejected)).toEqual([
      { line: 5, error: expect.stringMatching(/^invalid JSON: /) },
      { line: 10, id: 't10', error: 'template field "body" is missing' },
      { line: 15, error: 'line is 5.0 MB, over the 2.0 MB per item (limits.maxItemBytes)' },
      { line: 20, error: 'invalid UTF-8 near byte 30 of the line; re-export the file as UTF-8' },
      { line: 25, id: 't3', error: 'duplicate id "t3" (first on line 3)' },
      { line: 30, error: 'expected a JSON object' },
    ]);
    expect(report).toMatchObject({ items: 60, rejected: 6, succeeded: 54, deadLettered: 0 });
    // The other 54 lines are answered, in input order.
    const rejectedLines = new Set([5, 10, 15, 20, 25, 30]);
    const expectedIds = Array.from({ length: 60 }, (_, i) => i + 1)
      .filter((n) => !rejectedLines.has(n))
      .map((n) => `t${n}`);
    expect(readJsonl(report.files.results).map((r) => r.id)).toEqual(expectedIds);
    expect(readJsonl(report.files.deadLetter)).toEqual([]);
  });

  it('reads a CSV past a bad quote, an unclosed quote and ragged rows, accounting for every line', async () => {
    const row = (n: number) => `t${n},Order ${n},"Where is order ${n}, please?"`;
    const lines = ['id,subject,body']; // line 1
    for (let n = 1; n <= 40; n++) lines.push(row(n)); // line n + 1
    lines[7] = 't7,"Order 7"x,body'; // line 8: text after a closing quote
    lines[12] = 't12,Order 12,body,extra'; // line 13: a field too many
    lines[16] = 't16,Order 16'; // line 17: a field too few
    lines[20] = 't20,"Order 20,body'; // line 21: a quote that is never closed
    lines[30] = 't30,Order 30,"two\nlines"'; // lines 31-32: one row with a multi-line field
    writeFileSync(join(h.dir, 'tickets.csv'), lines.join('\n') + '\n');
    const physicalLines = lines.join('\n').split('\n').length; // 42: the header and 41 data lines

    const spec = loadSpec(
      h.writeSpec(fastSpec({ input: 'tickets.csv', chunkSize: 15, output: { dir: 'out-csv' } }), 'csv-spec.yaml'),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-bad-csv-${Date.now()}` })
    ).result();

    const rejected = readJsonl(report.files.rejected);
    expect(rejected).toEqual([
      { line: 8, id: 't7', error: expect.stringMatching(/^CSV: invalid closing quote in column "subject"/) },
      { line: 13, id: 't12', error: 'row has 4 fields, the header has 3' },
      { line: 17, id: 't16', error: 'row has 2 fields, the header has 3' },
      {
        line: 21,
        id: 't20',
        // The next row's quoted body would close it into nonsense: line 21 alone is rejected.
        error:
          'CSV: unclosed quote in column "subject": line 22 has an invalid closing quote; the lines after it are read as rows of their own',
      },
    ]);
    // 40 rows as a person counts them (the multi-line row is one), 4 rejected, the rest answered.
    expect(report).toMatchObject({ items: 40, rejected: 4, succeeded: 36, deadLettered: 0 });
    const results = readJsonl(report.files.results);
    const rejectedIds = new Set(['t7', 't12', 't16', 't20']);
    expect(results.map((r) => r.id)).toEqual(
      Array.from({ length: 40 }, (_, i) => `t${i + 1}`).filter((id) => !rejectedIds.has(id)),
    );
    expect(readJsonl(report.files.deadLetter)).toEqual([]);
    // Every physical line after the header is in exactly one answer or rejection: row n is on line
    // n + 1 up to row 30, which takes lines 31 and 32; the rows after it are one line further down.
    const linesOfRow = (n: number) => (n < 30 ? [n + 1] : n === 30 ? [31, 32] : [n + 2]);
    const covered = [
      ...results.flatMap((r) => linesOfRow(Number(String(r.id).slice(1)))),
      ...rejected.map((r) => r.line as number),
    ].sort((x, y) => x - y);
    expect(covered).toEqual(Array.from({ length: physicalLines - 1 }, (_, i) => i + 2));
  });

  it('refuses on the worker a run whose output folder is a file, before any batch is submitted', async () => {
    writeFileSync(join(h.dir, 'tickets.jsonl'), JSON.stringify({ id: 't1', subject: 'a', body: 'b' }) + '\n');
    writeFileSync(join(h.dir, 'not-a-folder'), 'a file');
    // The spec loader refuses this on the client; the worker must refuse it too (its disk may differ).
    const spec = { ...loadSpec(h.writeSpec(fastSpec(), 'dir-spec.yaml')), outputDir: join(h.dir, 'not-a-folder') };
    const before = h.simulator.ledger().batchesCreated;
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-bad-dir-${Date.now()}` });
    expect(await activityFailureOf(handle)).toMatchObject({
      type: 'OutputDirUnusable',
      message: expect.stringMatching(/not-a-folder is a file, not a folder$/),
    });
    expect(h.simulator.ledger().batchesCreated).toBe(before);
  });
});
