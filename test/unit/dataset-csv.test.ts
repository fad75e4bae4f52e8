// The CSV reader: every physical line ends up in exactly one entry (a record, or a rejection with
// its own line number and a reason), whatever quotes and ragged rows the file holds.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { readCsvHeader, readDataset, type DatasetEntry } from '../../activities/inputs/dataset';

const dir = mkdtempSync(join(tmpdir(), 'llmbatch-csv-'));
let files = 0;
function csv(text: string | Buffer): string {
  const path = join(dir, `f${++files}.csv`);
  writeFileSync(path, text);
  return path;
}
/** The entries, without the partial fields of rejected rows (plan's id test looks at those). */
async function read(path: string, maxLineBytes?: number): Promise<DatasetEntry[]> {
  const out: DatasetEntry[] = [];
  for await (const entry of readDataset(path, 'csv', maxLineBytes)) {
    if ('error' in entry) delete entry.fields;
    out.push(entry);
  }
  return out;
}

/** Entries cover the data lines 2..last without gap or overlap: a rejection covers its own line, a record the lines since the previous entry. */
function expectEveryLineAccounted(entries: DatasetEntry[], lastLine: number) {
  let previous = 1;
  for (const entry of entries) {
    expect(entry.line).toBeGreaterThan(previous);
    if ('error' in entry) expect(entry.line).toBe(previous + 1);
    previous = entry.line;
  }
  expect(previous).toBe(lastLine);
}

describe('CSV rows', () => {
  it('rejects a bad quote and ragged rows by their line, and reads every other line', async () => {
    const path = csv(
      [
        'id,subject,body', // 1
        '1,ok,fine', // 2
        '2,"bad"x,body', // 3: text after a closing quote
        '3,"fine, quoted",b', // 4
        '4,a,b,c', // 5: one field too many
        '5,a', // 6: one too few
        '6,a "quote",b', // 7: a quote inside an unquoted field
        '7,"multi', // 8
        'line",b', // 9
        '8,"say ""hi""",last', // 10
      ].join('\n') + '\n',
    );
    const entries = await read(path);
    expect(entries).toEqual([
      { line: 2, record: { id: '1', subject: 'ok', body: 'fine' } },
      { line: 3, error: expect.stringMatching(/^CSV: invalid closing quote in column "subject": "x" follows/) },
      { line: 4, record: { id: '3', subject: 'fine, quoted', body: 'b' } },
      { line: 5, error: 'row has 4 fields, the header has 3' },
      { line: 6, error: 'row has 2 fields, the header has 3' },
      { line: 7, error: expect.stringMatching(/^CSV: invalid quote in column "subject": a field that holds a quote/) },
      { line: 9, record: { id: '7', subject: 'multi\nline', body: 'b' } },
      { line: 10, record: { id: '8', subject: 'say "hi"', body: 'last' } },
    ]);
    expectEveryLineAccounted(entries, 10);
  });

  it('costs an unclosed quote its own line only, even when it would swallow the rest of the file', async () => {
    const path = csv('id,subject,body\n1,"never closed,b\n2,a,b\n3,c,d\n');
    const entries = await read(path);
    expect(entries).toEqual([
      {
        line: 2,
        error:
          'CSV: unclosed quote in column "subject": the file ends before it closes; the lines after it are read as rows of their own',
      },
      { line: 3, record: { id: '2', subject: 'a', body: 'b' } },
      { line: 4, record: { id: '3', subject: 'c', body: 'd' } },
    ]);
    // Three data lines, three entries: what a person counting rows would count.
    expect(entries).toHaveLength(3);
  });

  it('does not let a stray quote pair up with a later quote into a broken row', async () => {
    const path = csv('id,subject,body\n1,"oops,b\n2,plain,text\n3,"x"y,z\n4,ok,ok\n');
    const entries = await read(path);
    expect(entries).toEqual([
      {
        line: 2,
        error: expect.stringMatching(/^CSV: unclosed quote in column "subject": line 4 has an invalid closing quote;/),
      },
      { line: 3, record: { id: '2', subject: 'plain', body: 'text' } },
      { line: 4, error: expect.stringMatching(/^CSV: invalid closing quote in column "subject"/) },
      { line: 5, record: { id: '4', subject: 'ok', body: 'ok' } },
    ]);
  });

  it('rejects a multi-line row whose field count is wrong, then reads its lines again', async () => {
    const path = csv('id,subject\n1,"two\nlines",extra\n2,fine\n');
    const entries = await read(path);
    expect(entries).toEqual([
      {
        line: 2,
        error:
          'CSV: unclosed quote in column "subject": the row it starts would have 3 fields, the header has 2; the lines after it are read as rows of their own',
      },
      { line: 3, error: expect.stringMatching(/^CSV: invalid quote in column "id"/) },
      { line: 4, record: { id: '2', subject: 'fine' } },
    ]);
    expectEveryLineAccounted(entries, 4);
  });

  it('stops looking for a closing quote at limits.maxItemBytes', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `${i + 3},row ${i + 3}`);
    const path = csv(['id,subject', '2,"opens', ...rows].join('\n') + '\n');
    const started = Date.now();
    const entries = await read(path, 1000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(entries[0]).toEqual({
      line: 2,
      error: expect.stringMatching(
        /^CSV: unclosed quote in column "subject": it is still open after .* \(limits\.maxItemBytes\)/,
      ),
    });
    expect(entries).toHaveLength(2001);
    expect(entries.slice(1).every((e) => 'record' in e)).toBe(true);
    expectEveryLineAccounted(entries, 2002);
  });

  it('accounts for every line of a file full of stray quotes', async () => {
    // A deterministic mix: good rows, stray and unclosed quotes, multi-line fields, ragged rows.
    const kinds = ['n,ok,b', 'n,"q,b', 'n,"a""b",c', 'n,x"y,z', 'n,"multi', 'line",b', 'n,a,b,c', '', 'n,"z"w,c'];
    const lines = ['id,subject,body'];
    let seed = 7;
    for (let i = 0; i < 3000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      lines.push(kinds[seed % kinds.length].replace(/^n/, String(i)));
    }
    const entries = await read(csv(lines.join('\n') + '\n'), 2048);
    expectEveryLineAccounted(entries, lines.length);
  });

  it('keeps CRLF line ends out of the values but inside a quoted field, and skips a BOM', async () => {
    const path = csv('\uFEFFid,subject\r\n1,"a\r\nb"\r\n2,c\r\n');
    expect(await read(path)).toEqual([
      { line: 3, record: { id: '1', subject: 'a\r\nb' } },
      { line: 4, record: { id: '2', subject: 'c' } },
    ]);
  });

  it('rejects empty lines and invalid UTF-8 like JSONL does, and a line over the size limit', async () => {
    const path = csv(
      Buffer.concat([
        Buffer.from('id,subject\n1,a\n\n2,caf'),
        Buffer.from([0xe9]),
        Buffer.from('\n3,' + 'x'.repeat(200) + '\n4,d\n'),
      ]),
    );
    expect(await read(path, 100)).toEqual([
      { line: 2, record: { id: '1', subject: 'a' } },
      { line: 3, error: 'empty line' },
      { line: 4, error: 'invalid UTF-8 near byte 6 of the line; re-export the file as UTF-8' },
      { line: 5, error: expect.stringMatching(/^line is 0\.0 MB, over the 0\.0 MB per item/) },
      { line: 6, record: { id: '4', subject: 'd' } },
    ]);
  });

  it('leaves unnamed columns out and keeps a "__proto__" column a plain field', async () => {
    const entries = await read(csv('id,__proto__,\n1,x,\n'));
    expect(entries).toHaveLength(1);
    const record = (entries[0] as { record: Record<string, unknown> }).record;
    expect(Object.hasOwn(record, '__proto__')).toBe(true);
    expect(record.__proto__).toBe('x');
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['id', '__proto__']);
  });
});

describe('CSV header', () => {
  async function headerFailure(text: string): Promise<ApplicationFailure> {
    const path = csv(text);
    try {
      await read(path);
    } catch (error) {
      return error as ApplicationFailure;
    }
    throw new Error('expected the header to be refused');
  }

  it.each([
    ['\n1,a\n', 'CSV header (line 1) is empty: the first line must name the columns'],
    ['id,subject,id\n1,a,b\n', 'CSV header (line 1) names column "id" twice (columns 1 and 3)'],
    ['id,"subject\n1,a\n', 'CSV header (line 1) opens a quote that it does not close'],
    [',,\n1,2,3\n', 'CSV header (line 1) names no columns'],
  ])('refuses %j without retrying: %s', async (text, problem) => {
    const failure = await headerFailure(text);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('BadDataset');
    expect(failure.message).toMatch(new RegExp(`\\.csv: ${problem.replace(/[().]/g, '\\$&')}$`));
    expect(readCsvHeader(csv(text))).toEqual({ problem });
  });

  it('reads the columns of a good header', () => {
    expect(readCsvHeader(csv('\uFEFFid,"sub, ject",body\r\n1,2,3\n'))).toEqual({
      columns: ['id', 'sub, ject', 'body'],
    });
  });
});
