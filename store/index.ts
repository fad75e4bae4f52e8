export * from './run-store';
export * from './sql';
export { EarlierStoreError, stopServer, serverState } from './embedded/server';
import { isPostgresUrl, openPostgres } from './sql';
import { openEmbeddedSql } from './embedded/lifecycle';
import { RunStore } from './run-store';

/**
 * Opens the store: the PostgreSQL database of a postgres:// URL, else the embedded server of that
 * folder (started, or joined when another process runs it); applies the migrations it lacks.
 */
export async function openStore(location: string, options: { log?: (line: string) => void } = {}): Promise<RunStore> {
  const sql = isPostgresUrl(location) ? await openPostgres(location) : await openEmbeddedSql(location, options.log);
  const store = new RunStore(sql);
  try {
    await store.migrate();
  } catch (error) {
    await sql.close();
    throw error;
  }
  return store;
}
export * from './spend-ledger';
export * from './rate-limits';
export * from './batch-slots';
export * from './batch-usage';
