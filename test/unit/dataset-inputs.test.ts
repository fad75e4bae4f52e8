// The new kinds of input: Parquet (by row group), gzipped JSONL and globs of shards read in order
// as one dataset, with `file:row` in rejections; and each kind of bad input refused in one line
// before a run starts.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { readDataset, type DatasetEntry } from '../../activities/inputs/dataset';
import { loadCheckedSpec } from '../../client/input-check';
import { writeParquet } from '../support/parquet-files';

const dir = mkdtempSync(join(tmpdir(), 'llmbatch-inputs-'));

async function read(input: string, format: Parameters<typeof readDataset>[1]): Promise<DatasetEntry[]> {
  const out: DatasetEntry[] = [];
  for await (const entry of readDataset(input, format)) out.push(entry);
  return out;
}

const tickets = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ id: `t${from + i}`, subject: `Order ${from + i}`, n: from + i }));

describe('Parquet input', () => {
  it('reads every row of every row group, with typed values as JSON', async () => {
    const path = join(dir, 'tickets.parquet');
    await writeParquet(path, tickets(1, 2500), 1000);
    const entries = await read(path, 'parquet');
    expect(entries).toHaveLength(2500);
    expect(entries[0]).toEqual({ line: 1, record: { id: 't1', subject: 'Order 1', n: 1 }, at: 'tickets.parquet:1' });
    expect(entries[2499]).toEqual({
      line: 2500,
      record: { id: 't2500', subject: 'Order 2500', n: 2500 },
      at: 'tickets.parquet:2500',
    });
  });
});

describe('gzipped JSONL', () => {
  it('reads the lines as JSONL, with the same rejections', async () => {
    const path = join(dir, 'tickets.jsonl.gz');
    writeFileSync(path, gzipSync(['{"id":"a"}', 'not json', '{"id":"c"}'].join('\n') + '\n'));
    expect(await read(path, 'jsonl.gz')).toEqual([
      { line: 1, record: { id: 'a' } },
      { line: 2, error: expect.stringMatching(/^invalid JSON/) },
      { line: 3, record: { id: 'c' } },
    ]);
  });

  it('stops on a truncated file with one line naming it', async () => {
    const path = join(dir, 'cut.jsonl.gz');
    const whole = gzipSync(Array.from({ length: 2000 }, (_, i) => JSON.stringify({ id: i })).join('\n'));
    writeFileSync(path, whole.subarray(0, whole.length / 2));
    await expect(read(path, 'jsonl.gz')).rejects.toThrow(`input: ${path} is not a complete gzip file`);
  });
});

describe('globs of shards', () => {
  it('reads the shards in name order as one dataset, rejections saying file:row', async () => {
    const shards = join(dir, 'shards');
    mkdirSync(shards);
    writeFileSync(join(shards, 'part-2.jsonl'), '{"id":"c"}\n{"id":"d"}\n');
    writeFileSync(join(shards, 'part-1.jsonl'), '{"id":"a"}\nbroken\n');
    const entries = await read(join(shards, 'part-*.jsonl'), 'jsonl');
    // A record keeps its file:row too, for the plan to name should it reject it (a missing field).
    expect(entries).toEqual([
      { line: 1, record: { id: 'a' }, at: 'part-1.jsonl:1' },
      { line: 2, error: expect.stringMatching(/^part-1\.jsonl:2: invalid JSON/) },
      { line: 3, record: { id: 'c' }, at: 'part-2.jsonl:1' },
      { line: 4, record: { id: 'd' }, at: 'part-2.jsonl:2' },
    ]);
  });

  it('numbers Parquet shards on from each other', async () => {
    const shards = join(dir, 'pq');
    mkdirSync(shards);
    await writeParquet(join(shards, 'part-0.parquet'), tickets(1, 3));
    await writeParquet(join(shards, 'part-1.parquet'), tickets(4, 5));
    const entries = await read(join(shards, '*.parquet'), 'parquet');
    expect(entries.map((e) => [e.line, 'record' in e ? e.record.id : e.error])).toEqual([
      [1, 't1'],
      [2, 't2'],
      [3, 't3'],
      [4, 't4'],
      [5, 't5'],
    ]);
  });
});

describe('bad input is refused before a run starts, in one line', () => {
  let n = 0;
  function spec(input: string, extra: Record<string, unknown> = {}): string {
    const path = join(dir, `spec-${++n}.yaml`);
    writeFileSync(
      path,
      stringify({
        name: `inputs-${n}`,
        input,
        id: 'id',
        template: { user: '{{subject}}' },
        output: { dir: `out-${n}` },
        provider: 'simulator',
        model: 'gpt-4.1-mini',
        ...extra,
      }),
    );
    return path;
  }
  const problemOf = (path: string) =>
    loadCheckedSpec(path).then(
      () => 'accepted',
      (error: Error) => error.message.slice(path.length + 2),
    );

  it('a file that is not Parquet, and one cut short', async () => {
    writeFileSync(join(dir, 'fake.parquet'), 'id,subject\n1,hello\n');
    expect(await problemOf(spec('fake.parquet'))).toMatch(
      new RegExp(`^input: ${dir}/fake.parquet is not a readable Parquet file \\(.+\\)$`),
    );
    await writeParquet(join(dir, 'whole.parquet'), tickets(1, 50));
    const whole = readFileSync(join(dir, 'whole.parquet'));
    writeFileSync(join(dir, 'cut.parquet'), whole.subarray(0, whole.length - 30));
    expect(await problemOf(spec('cut.parquet'))).toMatch(/^input: .*cut\.parquet is not a readable Parquet file/);
  });

  it('a column the template names that the Parquet file lacks', async () => {
    expect(await problemOf(spec('whole.parquet', { template: { user: '{{body}}' } }))).toBe(
      `template.user: "{{body}}" names no column of ${dir}/whole.parquet (columns: id, subject, n)`,
    );
    expect(await problemOf(spec('whole.parquet'))).toBe('accepted');
  });

  it('a glob that matches nothing', async () => {
    expect(await problemOf(spec('nothing/part-*.jsonl'))).toBe(`input: ${dir}/nothing/part-*.jsonl matches no file`);
  });

  it('inputFormat overrides the extension', async () => {
    writeFileSync(join(dir, 'rows.data'), gzipSync('{"id":"a","subject":"s"}\n'));
    const path = spec('rows.data', { inputFormat: 'jsonl.gz' });
    expect((await loadCheckedSpec(path)).inputFormat).toBe('jsonl.gz');
    expect(await read(join(dir, 'rows.data'), 'jsonl.gz')).toEqual([{ line: 1, record: { id: 'a', subject: 's' } }]);
  });
});
