export * from './run-store';
export * from './items';
export * from './batches';
export * from './results';
export * from './answer-cache';
export * from './sync-calls';
export { FINAL_STRIKE, type FailureRow, type FinalItem, type Measured, type ResultRow } from './result-rows';
export * from './sql';
export { EarlierStoreError, stopServer, serverState } from './embedded/server';
import { isPostgresUrl, openPostgres, type Sql } from './sql';
import { openEmbeddedSql } from './embedded/lifecycle';
import { createMissingDatabase, NO_SUCH_DATABASE } from './missing-database';
import { RunStore } from './run-store';

/**
 * Opens the store: the PostgreSQL database of a postgres:// URL, else the embedded server of that
 * folder (started, or joined when another process runs it); applies the migrations it lacks.
 */
export async function openStore(location: string, options: { log?: (line: string) => void } = {}): Promise<RunStore> {
  const sql = isPostgresUrl(location)
    ? await openUrl(location, options.log)
    : await openEmbeddedSql(location, options.log);
  const store = new RunStore(sql);
  try {
    await store.migrate();
  } catch (error) {
    await sql.close();
    throw error;
  }
  return store;
}

/** A DATABASE_URL's database, created first when it does not exist (and the role may). */
async function openUrl(url: string, log?: (line: string) => void): Promise<Sql> {
  try {
    return await openPostgres(url);
  } catch (error) {
    if ((error as { code?: string }).code !== NO_SUCH_DATABASE) throw error;
    await createMissingDatabase(url, log);
    return openPostgres(url);
  }
}
export * from './spend-ledger';
export * from './rate-limits';
export * from './batch-slots';
export * from './batch-usage';
