// Bad input never crashes or stalls a run: each broken line is rejected with its line number and
// a reason a person can act on, and every other line completes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
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
});
