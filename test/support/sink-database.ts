// A PostgreSQL database for output.postgres to write into, apart from the run store: DATABASE_URL
// when set (CI's Debian server), else an embedded server of its own in a temp folder, which a test
// may stop to play a server that went away.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startOrJoinServer } from '../../store/embedded/server';
import { removeStoreFolder } from './store-folder';

export interface SinkDatabase {
  url: string;
  /** Runs one statement on a connection of its own. */
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function openSinkDatabase(): Promise<SinkDatabase> {
  const shared = process.env.DATABASE_URL;
  const folder = shared ? undefined : mkdtempSync(join(tmpdir(), 'llmbatch-sink-'));
  const url = shared ?? (await startOrJoinServer(folder!)).url;
  return {
    url,
    async query<T>(text: string, params?: unknown[]) {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(text, params)).rows as T[];
      } finally {
        await client.end();
      }
    },
    async close() {
      if (folder) await removeStoreFolder(folder);
    },
  };
}
