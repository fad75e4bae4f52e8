// The one SQL surface the store needs (store/sql.ts makes it over `pg`), apart from its making so
// that the transaction wrapper can name it without importing the pool.
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(text: string): Promise<void>;
  /** Runs `work` in one transaction on one connection (commit on success, rollback on a throw). */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  /**
   * Appends rows to a table in one COPY: about half the time of an insert of unnested arrays. No
   * conflict handling: a row already there fails the whole copy (SQLSTATE 23505).
   */
  copyRows?(table: string, columns: string[], rows: unknown[][]): Promise<void>;
  /** Reads a query's rows in pages of `pageSize` through a cursor, holding one page at a time. */
  cursor?<T = Record<string, unknown>>(text: string, params: unknown[], pageSize: number): AsyncIterable<T[]>;
  close(): Promise<void>;
}
