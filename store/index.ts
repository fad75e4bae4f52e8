export * from './run-store';
export * from './sql';
import { openPglite } from './sql';
import { RunStore } from './run-store';

/** Opens the embedded store (PGlite in a folder) and makes sure its tables exist. */
export async function openStore(dataDir: string): Promise<RunStore> {
  const store = new RunStore(await openPglite(dataDir));
  await store.migrate();
  return store;
}
