// Parquet in and out: a run over a Parquet input with output.format parquet writes results.parquet
// holding the same ids and answers as results.jsonl of the same rows run as JSONL (read back with
// pyarrow when python3 has it, else hyparquet), and every line is accounted for.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckedSpec } from '../../client/input-check';
import { startRun } from '../../client/start-run';
import { LABEL_SCHEMA } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { writeParquet } from '../support/parquet-files';
import { readParquetRows } from '../support/parquet-reader';
import { readJsonl } from '../support/run-files';

describe('Parquet in and out', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 } } });
  });
  afterAll(async () => h?.close());

  it('results.parquet holds the ids and answers of results.jsonl', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({
      id: `t${i + 1}`,
      subject: `Order ${i + 1}`,
      body: `Where is order ${i + 1}?`,
    }));
    await writeParquet(join(h.dir, 'tickets.parquet'), rows, 128);
    writeFileSync(join(h.dir, 'tickets.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(h.dir, 'label.schema.json'), JSON.stringify(LABEL_SCHEMA));
    const run = async (name: string, overrides: Record<string, unknown>) => {
      const spec = await loadCheckedSpec(h.writeSpec(fastSpec(overrides), `${name}.yaml`));
      return (await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-${name}-${Date.now()}` })).result();
    };
    const jsonl = await run('pq-jsonl', { output: { dir: 'out-jsonl', schema: 'label.schema.json' } });
    const parquet = await run('pq-parquet', {
      input: 'tickets.parquet',
      output: { dir: 'out-parquet', schema: 'label.schema.json', format: 'parquet' },
    });
    expect(parquet).toMatchObject({ items: 300, succeeded: 300, deadLettered: 0, rejected: 0 });
    expect(parquet.files.results).toBe(join(h.dir, 'out-parquet', 'results.parquet'));

    const { reader, rows: written } = await readParquetRows(parquet.files.results);
    console.log(`results.parquet read back with ${reader}`);
    const expected = readJsonl(jsonl.files.results).map((r) => {
      const parsed = r.parsed as { category: string; urgent: boolean };
      return {
        id: r.id,
        category: parsed.category,
        urgent: parsed.urgent,
        model: r.model,
        provider: r.provider,
        strike: r.strike,
      };
    });
    expect(written).toEqual(expected);
  });
});
