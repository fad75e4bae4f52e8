// The store's schema as numbered migrations, applied in order and recorded in schema_migrations.
// A change to the tables is a new file here, never an edit of an applied one.
import type { Sql } from '../sql';
import { BASELINE } from './001-baseline';
import { CHUNK_LOCAL_ANSWERS } from './002-chunk-local-answers';
import { BATCH_STOP_REASON } from './003-batch-stop-reason';
import { LEAN_ANSWERS } from './004-lean-answers';
import { BATCH_TIMELINE } from './005-batch-timeline';
import { BATCH_USAGE } from './006-batch-usage';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'baseline', sql: BASELINE },
  { version: 2, name: 'chunk-local answers', sql: CHUNK_LOCAL_ANSWERS },
  { version: 3, name: 'batch stop reason', sql: BATCH_STOP_REASON },
  { version: 4, name: 'lean answers', sql: LEAN_ANSWERS },
  { version: 5, name: 'batch timeline', sql: BATCH_TIMELINE },
  { version: 6, name: 'batch usage', sql: BATCH_USAGE },
];

/** Workers starting together take turns: the first applies, the others find it applied. */
const MIGRATION_LOCK = 727274;

/** Applies the migrations this store lacks; refuses a store that a newer llmbatch migrated. */
export async function migrate(sql: Sql): Promise<{ applied: number[] }> {
  return sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`);
    const { rows } = await tx.query<{ version: number }>(
      'select coalesce(max(version), 0)::int as version from schema_migrations',
    );
    const current = rows[0].version;
    const known = MIGRATIONS[MIGRATIONS.length - 1].version;
    if (current > known) {
      throw new Error(
        `the store is at schema version ${current}, newer than this llmbatch knows (${known}): upgrade llmbatch on this machine`,
      );
    }
    const applied: number[] = [];
    for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
      await tx.exec(migration.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return { applied };
  });
}
