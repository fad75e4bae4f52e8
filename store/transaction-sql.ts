// The Sql a transaction's work is handed, for either driver: its statements, no nesting, no closing.
import type { Sql } from './sql-types';

export function transactionSql(query: Sql['query'], exec: Sql['exec']): Sql {
  return {
    query,
    exec,
    transaction: () => Promise.reject(new Error('nested transactions are not supported')),
    close: () => Promise.reject(new Error('a transaction cannot close the store')),
  };
}
