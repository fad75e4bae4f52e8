// The pure part of `dlq`: counting dead letters, and the records a replay starts from (the dead
// letters' own, or else their lines taken again from a JSONL input, checked to still hold them).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  replayRecords,
  replaySpec,
  summarizeDeadLetters,
  type DeadLetter,
  type FinishedRun,
} from '../../client/dead-letters';
import type { ResolvedSpec } from '../../common';

const dir = mkdtempSync(join(tmpdir(), 'llmbatch-dlq-'));
const input = join(dir, 'in.jsonl');
writeFileSync(input, ['{"id":"a","x":1}', '{"id":"b","x":2}', '{"id":"c","x":3}'].join('\n') + '\n');

function run(spec: Partial<ResolvedSpec> = {}): FinishedRun {
  return {
    runId: 'r1',
    status: 'COMPLETED',
    taskQueue: 'q',
    spec: {
      name: 'n',
      specPath: join(dir, 'spec.yaml'),
      inputPath: input,
      inputFormat: 'jsonl',
      idField: 'id',
      ...spec,
    } as ResolvedSpec,
    outputDir: join(dir, 'out'),
    deadLetterFile: join(dir, 'out', 'dead-letter.jsonl'),
  };
}

const letter = (id: string, line: number, more: Partial<DeadLetter> = {}): DeadLetter => ({
  id,
  line,
  kind: 'server_error',
  reason: 'server_error: 500',
  retryable: true,
  ...more,
});

describe('dead letters', () => {
  it('counts by kind, retryable or not, most frequent first', () => {
    const summary = summarizeDeadLetters([
      letter('a', 1),
      letter('b', 2, { kind: 'invalid_request', retryable: false }),
      letter('c', 3),
    ]);
    expect(summary).toMatchObject({ total: 3, retryable: 2, notRetryable: 1 });
    expect(Object.entries(summary.byKind)).toEqual([
      ['server_error', 2],
      ['invalid_request', 1],
    ]);
    expect(summary.first.map((d) => d.id)).toEqual(['a', 'b', 'c']);
  });

  it("takes each dead letter's record, else its line from a JSONL input", async () => {
    const records = await replayRecords(run(), [letter('a', 1, { record: { id: 'a', x: 'kept' } }), letter('c', 3)]);
    expect(records).toEqual([
      { id: 'a', x: 'kept' },
      { id: 'c', x: 3 },
    ]);
  });

  it('refuses a line that no longer holds its item, a CSV without records, and a spec without an id field', async () => {
    await expect(replayRecords(run(), [letter('z', 2)])).rejects.toThrow(
      /dead letter z carries no input record and line 2 of .* no longer holds it/,
    );
    await expect(replayRecords(run({ inputFormat: 'csv' }), [letter('a', 1)])).rejects.toThrow(/is CSV/);
    await expect(replayRecords(run({ idField: undefined }), [letter('1', 1, { record: { x: 1 } })])).rejects.toThrow(
      /spec has no `id` field/,
    );
  });

  it('replays into <output dir>/replay-<id>/ from a JSONL file', () => {
    expect(replaySpec(run({ inputFormat: 'csv' }), join(dir, 'r.jsonl'), 'new')).toMatchObject({
      inputPath: join(dir, 'r.jsonl'),
      inputFormat: 'jsonl',
      outputDir: join(dir, 'out', 'replay-new'),
    });
  });

  it("refuses a replay id that would name a folder outside the run's", () => {
    for (const id of ['../../x', '/abs/path', '..'])
      expect(() => replaySpec(run(), join(dir, 'r.jsonl'), id)).toThrow(
        new RegExp(`^replay run id "${id.replace(/\./g, '\\.')}" cannot name a folder under ${join(dir, 'out')}: it `),
      );
  });
});
