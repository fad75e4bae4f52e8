// What the main thread and the PGlite thread (store/pglite-thread.ts) say to each other.

/** A statement runs on the database, or inside the open transaction `tx`. */
export type ThreadRequest = { id: number; tx?: number } & (
  | { op: 'query'; text: string; params?: unknown[] }
  | { op: 'exec'; text: string }
  | { op: 'copy'; table: string; columns: string[]; rows: unknown[][] }
  | { op: 'begin'; txId: number }
  | { op: 'end'; txId: number; commit: boolean }
  | { op: 'close' }
);

/** The answer to request `id` (0: the database is open, or why it is not). */
export type ThreadReply =
  | { id: number; rows: unknown }
  | { id: number; error: { message: string; name: string; fields: Record<string, string | number> } };
