// A DATABASE_URL whose database does not exist yet (a new PostgreSQL server, a new cluster): made
// when the URL's role may create databases, as a new user expects; otherwise one line that says
// what to run, rather than the driver's bare `database "x" does not exist`.
import { Client } from 'pg';

/** PostgreSQL's SQLSTATE for "database does not exist". */
export const NO_SUCH_DATABASE = '3D000';
const INSUFFICIENT_PRIVILEGE = '42501';
const ALREADY_EXISTS = new Set(['42P04', '23505']);

/** The URL's host, port, role and database, as a user would type them to `createdb`. */
function partsOf(url: string): { host: string; port: string; user: string; database: string } {
  const parsed = new URL(url);
  return {
    host: parsed.hostname || 'localhost',
    port: parsed.port || '5432',
    user: decodeURIComponent(parsed.username),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
  };
}

/** Creates the URL's database through the server's `postgres` database; a one-line error says what to run when it may not. */
export async function createMissingDatabase(url: string, log?: (line: string) => void): Promise<void> {
  const { host, port, user, database } = partsOf(url);
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query(`create database "${database.replace(/"/g, '""')}"`);
    log?.(`store: created database "${database}" on ${host}:${port}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code && ALREADY_EXISTS.has(code)) return; // another worker made it at the same moment
    const why = code === INSUFFICIENT_PRIVILEGE ? `role "${user}" may not create it` : (error as Error).message;
    throw new Error(
      `database "${database}" does not exist on ${host}:${port} and could not be created (${why}): ` +
        `run \`createdb -h ${host} -p ${port} -O ${user} ${database}\` as a role that may create databases, or point DATABASE_URL at an existing database`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
