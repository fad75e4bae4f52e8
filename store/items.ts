// A run's plan in the store: its lines (items), its unique requests and each chunk's lane, and what
// of it still waits for an answer. Plan writes it once per attempt, after a reset.
import type { Sql } from './sql';
import type { NeutralRequest } from '../common';
import { PENDING_OF_CHUNK, stillPending } from './pending-sql';

export interface ItemRow {
  line: number;
  itemId?: string;
  dedupKey?: string;
  error?: string;
  /** A duplicate line: the line (and its id) whose request it repeats. */
  firstLine?: number;
  firstItemId?: string;
}

export interface RequestRow {
  dedupKey: string;
  chunk: number;
  firstLine: number;
  itemId?: string;
  body: NeutralRequest;
  /** The body as JSON, when the caller made it already (plan sizes chunks by it): not made again. */
  bodyJson?: string;
  /** Input tokens as plan counted them (the tokenizer's). */
  inputTokens?: number;
}

export class RunItems {
  /** `forgetMeasured`: drops what a run's answers measured (results.answeredSoFar) when its plan goes. */
  constructor(
    private readonly sql: Sql,
    private readonly forgetMeasured: (runId: string) => void,
  ) {}

  /** Plan starts from a clean slate so that a plan attempt that died half-way leaves nothing. */
  async resetPlan(runId: string): Promise<void> {
    this.forgetMeasured(runId);
    await this.sql.query('delete from items where run_id = $1', [runId]);
    await this.sql.query('delete from requests where run_id = $1', [runId]);
    await this.sql.query('delete from results where run_id = $1 and cached', [runId]);
  }

  /** Plan's cut: each chunk's model and lane. */
  async saveChunkLanes(runId: string, lanes: { chunk: number; model: string; mode: string }[]): Promise<void> {
    await this.sql.query('delete from chunk_lanes where run_id = $1', [runId]);
    if (lanes.length === 0) return;
    await this.sql.query(
      `insert into chunk_lanes (run_id, chunk, model, mode)
       select $1, * from unnest($2::int[], $3::text[], $4::text[])`,
      [runId, lanes.map((l) => l.chunk), lanes.map((l) => l.model), lanes.map((l) => l.mode)],
    );
  }

  /** A chunk's model and lane; undefined for a run planned before lanes were kept. */
  async chunkLane(runId: string, chunk: number): Promise<{ model: string; mode: 'batch' | 'sync' } | undefined> {
    const { rows } = await this.sql.query<{ model: string; mode: 'batch' | 'sync' }>(
      'select model, mode from chunk_lanes where run_id = $1 and chunk = $2',
      [runId, chunk],
    );
    return rows[0];
  }

  /** Moves the chunks numbered from `from` to start at `to` (a hybrid run's sync lane, after its batch chunks). */
  async renumberChunks(runId: string, from: number, to: number): Promise<void> {
    await this.sql.query('update requests set chunk = chunk - $2 + $3 where run_id = $1 and chunk >= $2', [
      runId,
      from,
      to,
    ]);
  }

  /** Forgets every row of a run (an estimate's scratch plan). */
  async discardRun(runId: string): Promise<void> {
    this.forgetMeasured(runId);
    for (const table of [
      'items',
      'requests',
      'results',
      'failures',
      'batches',
      'spend',
      'sync_calls',
      'runs',
      'chunk_lanes',
    ]) {
      await this.sql.query(`delete from ${table} where run_id = $1`, [runId]);
    }
  }

  /** Plan's lines, once per plan (after resetPlan): bulk-loaded where the store can. */
  async insert(runId: string, rows: ItemRow[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.sql.copyRows) {
      const values = rows.map((r) => [
        runId,
        r.line,
        r.itemId ?? null,
        r.dedupKey ?? null,
        r.error ?? null,
        r.firstLine ?? null,
        r.firstItemId ?? null,
      ]);
      const columns = ['run_id', 'line', 'item_id', 'dedup_key', 'error', 'first_line', 'first_item_id'];
      return this.sql.copyRows('items', columns, values);
    }
    await this.sql.query(
      `insert into items (run_id, line, item_id, dedup_key, error, first_line, first_item_id)
       select $1, * from unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[])
       on conflict do nothing`,
      [
        runId,
        rows.map((r) => r.line),
        rows.map((r) => r.itemId ?? null),
        rows.map((r) => r.dedupKey ?? null),
        rows.map((r) => r.error ?? null),
        rows.map((r) => r.firstLine ?? null),
        rows.map((r) => r.firstItemId ?? null),
      ],
    );
  }

  /** First line of each of these ids among the run's stored items (rejected lines do not claim an id). */
  async linesOfItemIds(runId: string, itemIds: string[]): Promise<Map<string, number>> {
    const lines = new Map<string, number>();
    if (itemIds.length === 0) return lines;
    const { rows } = await this.sql.query<{ item_id: string; line: number }>(
      `select item_id, min(line)::int as line from items
       where run_id = $1 and item_id = any($2::text[]) and dedup_key is not null group by item_id`,
      [runId, itemIds],
    );
    for (const row of rows) lines.set(row.item_id, row.line);
    return lines;
  }

  /** Of these dedup keys, those the run already has a request for, with the line (and id) that asked first. */
  async firstOccurrences(runId: string, keys: string[]): Promise<Map<string, { line: number; itemId?: string }>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.sql.query<{ dedup_key: string; first_line: number; item_id: string | null }>(
      'select dedup_key, first_line, item_id from requests where run_id = $1 and dedup_key = any($2::text[])',
      [runId, keys],
    );
    return new Map(rows.map((r) => [r.dedup_key, { line: r.first_line, itemId: r.item_id ?? undefined }]));
  }

  /** Plan's first occurrences, once per plan (after resetPlan): bulk-loaded where the store can. */
  async insertRequests(runId: string, rows: RequestRow[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.sql.copyRows) {
      const values = rows.map((r) => [
        runId,
        r.dedupKey,
        r.chunk,
        r.firstLine,
        r.itemId ?? null,
        r.bodyJson ?? JSON.stringify(r.body),
        r.inputTokens ?? 0,
      ]);
      const columns = ['run_id', 'dedup_key', 'chunk', 'first_line', 'item_id', 'body', 'input_tokens'];
      return this.sql.copyRows('requests', columns, values);
    }
    await this.sql.query(
      `insert into requests (run_id, dedup_key, chunk, first_line, item_id, body, input_tokens)
       select $1, * from unnest($2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::int[])
       on conflict do nothing`,
      [
        runId,
        rows.map((r) => r.dedupKey),
        rows.map((r) => r.chunk),
        rows.map((r) => r.firstLine),
        rows.map((r) => r.itemId ?? null),
        rows.map((r) => r.bodyJson ?? JSON.stringify(r.body)),
        rows.map((r) => r.inputTokens ?? 0),
      ],
    );
  }

  /** What a chunk still has to send: how many requests and their counted input tokens. */
  async pendingSize(runId: string, chunk: number): Promise<{ requests: number; inputTokens: number }> {
    const { rows } = await this.sql.query<{ n: number; tokens: number }>(
      `select count(*)::int as n, coalesce(sum(q.input_tokens), 0)::float8 as tokens from ${PENDING_OF_CHUNK}`,
      [runId, chunk],
    );
    return { requests: rows[0]?.n ?? 0, inputTokens: rows[0]?.tokens ?? 0 };
  }

  /** `size` random requests still to send (cache hits excluded), for an estimate's sample. */
  async randomRequests(runId: string, size: number): Promise<{ firstLine: number; inputTokens: number }[]> {
    const { rows } = await this.sql.query<{ first_line: number; input_tokens: number }>(
      `select first_line, input_tokens from requests where run_id = $1 and chunk >= 0 order by random() limit $2`,
      [runId, size],
    );
    return rows.map((r) => ({ firstLine: r.first_line, inputTokens: r.input_tokens }));
  }

  /**
   * The requests of a chunk still worth sending: no result yet (a retried strike never resends a
   * success) and no permanent failure (those go to the dead letters without burning strikes).
   */
  async pendingRequests(runId: string, chunk: number): Promise<{ dedupKey: string; body: NeutralRequest }[]> {
    const { rows } = await this.sql.query<{ dedup_key: string; body: string }>(
      `select q.dedup_key, q.body from ${PENDING_OF_CHUNK} order by q.first_line`,
      [runId, chunk],
    );
    return rows.map((r) => ({ dedupKey: r.dedup_key, body: JSON.parse(r.body) as NeutralRequest }));
  }

  /**
   * pendingRequests a page at a time, in the same order: submit streams them into the batch file
   * without holding the chunk in memory. A page is cut from the chunk's requests by the index on
   * (run, chunk, first_line) before anything is joined, so each page costs its own rows' index
   * probes: filtered after the cut, a page of the whole chunk's pending rows had the planner hash
   * every result of the run once per page (a 1M-item run's submits took 70% longer).
   */
  async *pendingRequestPages(
    runId: string,
    chunk: number,
    pageSize = 5000,
  ): AsyncGenerator<{ dedupKey: string; body: NeutralRequest }> {
    for (let after = 0; ;) {
      const { rows } = await this.sql.query<{ dedup_key: string; body: string | null; first_line: number }>(
        `select dedup_key, first_line, case when pending then body end as body
         from (select q.dedup_key, q.first_line, q.body, ${stillPending('$2')} as pending
               from (select run_id, dedup_key, first_line, body from requests
                     where run_id = $1 and chunk = $2 and first_line > $3
                     order by first_line limit $4) q) page
         order by first_line`,
        [runId, chunk, after, pageSize],
      );
      for (const row of rows)
        if (row.body !== null) yield { dedupKey: row.dedup_key, body: JSON.parse(row.body) as NeutralRequest };
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1].first_line;
    }
  }

  /** The dedup keys of pendingRequests, without their bodies (collect matches answers by key). */
  async pendingKeys(runId: string, chunk: number): Promise<Set<string>> {
    const { rows } = await this.sql.query<{ dedup_key: string }>(`select q.dedup_key from ${PENDING_OF_CHUNK}`, [
      runId,
      chunk,
    ]);
    return new Set(rows.map((r) => r.dedup_key));
  }

  async pendingCount(runId: string, chunk: number): Promise<number> {
    const { rows } = await this.sql.query<{ n: number }>(`select count(*)::int as n from ${PENDING_OF_CHUNK}`, [
      runId,
      chunk,
    ]);
    return rows[0]?.n ?? 0;
  }

  async chunkDedupKeys(runId: string, chunk: number): Promise<Set<string>> {
    const { rows } = await this.sql.query<{ dedup_key: string }>(
      'select dedup_key from requests where run_id = $1 and chunk = $2',
      [runId, chunk],
    );
    return new Set(rows.map((r) => r.dedup_key));
  }
}
