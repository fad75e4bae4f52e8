// The PostgreSQL sink's table rules without a server: which columns a schema becomes (the same
// mapping results.parquet uses), and which existing tables can take them.
import { answerColumns } from '../../activities/outputs/parquet-results';
import { columnNameProblems, sinkColumns, tableFit, type CatalogColumn } from '../../activities/outputs/postgres-table';
import { RunSpecSchema } from '../../common/spec';

const schema = {
  type: 'object',
  properties: {
    label: { type: 'string' },
    count: { type: 'integer' },
    score: { type: 'number' },
    urgent: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
    id: { type: 'string' },
    model: { type: 'string' },
  },
};

const typesOf = (columns: { name: string; type: string }[]) => Object.fromEntries(columns.map((c) => [c.name, c.type]));

/** The catalog's view of a table the sink created for `schema`. */
const created = (): CatalogColumn[] =>
  sinkColumns(schema).map((c) => ({ name: c.name, type: c.type, notNull: c.name === 'id', hasDefault: false }));

describe('the schema as columns', () => {
  it('types each top-level field, renames fields named like fixed columns, and keeps who answered', () => {
    expect(typesOf(sinkColumns(schema))).toEqual({
      id: 'text',
      answer: 'jsonb',
      label: 'text',
      count: 'bigint',
      score: 'double precision',
      urgent: 'boolean',
      tags: 'jsonb',
      answer_id: 'text',
      answer_model: 'text',
      model: 'text',
      provider: 'text',
      mode: 'text',
      strike: 'integer',
      run_id: 'text',
      updated_at: 'timestamp with time zone',
    });
  });

  it('has only the id, the answer and the metadata without a schema', () => {
    expect(sinkColumns(undefined).map((c) => c.name)).toEqual([
      'id',
      'answer',
      'model',
      'provider',
      'mode',
      'strike',
      'run_id',
      'updated_at',
    ]);
  });

  it('maps a field to the same kind of column as results.parquet does', () => {
    const parquet = typesOf(answerColumns(schema));
    expect(parquet).toMatchObject({
      label: 'STRING',
      count: 'INT64',
      score: 'DOUBLE',
      urgent: 'BOOLEAN',
      tags: 'JSON',
    });
  });

  it('refuses field names PostgreSQL would cut or that land on one column', () => {
    const long = 'f'.repeat(64);
    const clash = { type: 'object', properties: { id: { type: 'string' }, answer_id: { type: 'string' } } };
    expect(columnNameProblems(sinkColumns({ type: 'object', properties: { [long]: { type: 'string' } } }))).toEqual([
      `the output schema's field "${long}" is longer than PostgreSQL's 63-byte column names`,
    ]);
    expect(columnNameProblems(sinkColumns(clash))).toEqual([
      'two fields of the output schema would both be column "answer_id"',
    ]);
  });
});

describe('an existing table', () => {
  it('fits when the sink made it, or when its columns take the values', () => {
    expect(tableFit(sinkColumns(schema), created(), ['id'])).toEqual({ missing: [], problems: [] });
    const wider = created().map((c) =>
      c.name === 'count'
        ? { ...c, type: 'numeric(20,0)' }
        : c.name === 'label'
          ? { ...c, type: 'character varying(40)' }
          : c,
    );
    wider.push({ name: 'note', type: 'text', notNull: true, hasDefault: true });
    expect(tableFit(sinkColumns(schema), wider, ['id']).problems).toEqual([]);
  });

  it('gets the columns it lacks added', () => {
    const without = created().filter((c) => c.name !== 'score' && c.name !== 'run_id');
    expect(tableFit(sinkColumns(schema), without, ['id']).missing.map((c) => c.name)).toEqual(['score', 'run_id']);
  });

  it('is refused with every reason: the id, the key, a column that cannot take its field, a NOT NULL it does not write', () => {
    const table = created().map((c) =>
      c.name === 'id' ? { ...c, type: 'integer' } : c.name === 'score' ? { ...c, type: 'text[]' } : c,
    );
    table.push({ name: 'owner', type: 'text', notNull: true, hasDefault: false });
    expect(tableFit(sinkColumns(schema), table, ['id', 'model']).problems).toEqual([
      'column "id" is integer, not text',
      'its primary key is (id, model), not (id)',
      'column "score" is text[], which cannot take the answer\'s number field "score" (double precision or numeric)',
      'column "owner" is NOT NULL without a default, and the sink does not write it',
    ]);
    expect(tableFit(sinkColumns(undefined), [], []).problems).toEqual([
      'it has no "id" column (text, the primary key)',
      'it has no primary key; the sink needs "id" as its primary key',
    ]);
  });
});

describe('output.postgres in the spec', () => {
  const base = { name: 'n', input: 'i.jsonl', template: { user: 'u' }, provider: 'simulator', model: 'gpt-4.1-mini' };
  const parse = (postgres: unknown) => RunSpecSchema.safeParse({ ...base, output: { postgres } }).success;

  it('takes a variable name and a table, maybe schema-qualified, and nothing that needs quoting', () => {
    expect(parse({ urlEnv: 'SINK_URL', table: 'answers' })).toBe(true);
    expect(parse({ urlEnv: 'SINK_URL', table: 'analytics.Answers_2026' })).toBe(true);
    expect(parse({ urlEnv: 'SINK_URL', table: 'answers; drop table x' })).toBe(false);
    expect(parse({ urlEnv: 'SINK_URL', table: 'a.b.c' })).toBe(false);
    expect(parse({ urlEnv: 'postgres://u:p@h/db', table: 'answers' })).toBe(false);
    expect(parse({ urlEnv: 'SINK_URL' })).toBe(false);
  });
});
