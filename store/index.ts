export * from './run-store';
export * from './sql';
export * from './folder-lock';
import { isPostgresUrl, openPglite, openPostgres } from './sql';
import { RunStore } from './run-store';

/** Opens the store: PostgreSQL for a postgres:// URL, else PGlite in that folder; creates its tables. */
export async function openStore(location: string): Promise<RunStore> {
  const sql = isPostgresUrl(location) ? await openPostgres(location) : await openPglite(location);
  const store = new RunStore(sql);
  await store.migrate();
  return store;
}
export * from './spend-ledger';
export * from './rate-limits';
export * from './batch-slots';
