// The cluster's one PostgreSQL: the store's embedded server (store/embedded/, which also runs it
// as an unprivileged user when this is root) in DIR/postgres, holding Temporal's two databases and
// the llmbatch store. Temporal's schema is set up and upgraded by its own `sql` tool, from the
// schema files built into it, so a newer server version upgrades the same databases.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { startOrJoinServer, PASSWORD_FILE, STORE_ROLE, type EmbeddedServer } from '../../store/embedded/server';
import { TEMPORAL_DATABASE, VISIBILITY_DATABASE, type Database } from './config';

const SCHEMAS = [
  { database: TEMPORAL_DATABASE, schema: 'postgresql/v12/temporal' },
  { database: VISIBILITY_DATABASE, schema: 'postgresql/v12/visibility' },
];

export async function startPostgres(dir: string, log: (line: string) => void): Promise<EmbeddedServer> {
  return startOrJoinServer(dir, log);
}

export function databaseOf(server: EmbeddedServer): Database {
  return {
    port: server.port,
    user: STORE_ROLE,
    password: readFileSync(join(server.storeDir, PASSWORD_FILE), 'utf8').trim(),
  };
}

function runSql(sqlTool: string, db: Database, database: string, args: string[]): void {
  try {
    execFileSync(sqlTool, ['--db', database, ...args], {
      // Through the environment, so the password is not on a command line `ps` shows.
      env: {
        ...process.env,
        SQL_PLUGIN: 'postgres12',
        SQL_HOST: '127.0.0.1',
        SQL_PORT: String(db.port),
        SQL_USER: db.user,
        SQL_PASSWORD: db.password,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const output = `${(error as { stdout?: Buffer }).stdout?.toString() ?? ''}${(error as { stderr?: Buffer }).stderr?.toString() ?? ''}`;
    const last = output.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${last || (error as Error).message}`);
  }
}

async function query<T>(db: Database, database: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ host: '127.0.0.1', port: db.port, user: db.user, password: db.password, database });
  await client.connect();
  try {
    return (await client.query<T & object>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Creates Temporal's databases when missing and brings their schema to the server's version (idempotent). */
export async function setUpTemporalSchema(sqlTool: string, db: Database): Promise<void> {
  for (const { database, schema } of SCHEMAS) {
    const found = await query<{ one: number }>(db, 'postgres', 'select 1 as one from pg_database where datname = $1', [
      database,
    ]);
    if (found.length === 0) runSql(sqlTool, db, database, ['create-database']);
    // Version 0.0 makes only the versioning tables; update-schema then applies every step.
    const [versioned] = await query<{ yes: boolean }>(
      db,
      database,
      "select to_regclass('schema_version') is not null as yes",
    );
    if (!versioned.yes) runSql(sqlTool, db, database, ['setup-schema', '-v', '0.0']);
    runSql(sqlTool, db, database, ['update-schema', '--schema-name', schema]);
  }
}
