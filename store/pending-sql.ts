// SQL fragments shared by the store's readers of what a run still waits for (items.ts, results.ts).

/**
 * True for a request (`q`) that still waits: no answer yet and no permanent failure. Answers and
 * failures carry their request's chunk, so with the chunk fixed (`chunk`: a parameter, or q.chunk
 * with q's chunk fixed) the planner reads only that chunk's rows. Without the chunk it probed the
 * run-wide primary keys once per request: random pages of indexes larger than the server's cache,
 * most of a 1M-item run's statement time.
 */
export const stillPending = (chunk = 'q.chunk') => `
  not exists (select 1 from results r where r.run_id = q.run_id and r.chunk = ${chunk} and r.dedup_key = q.dedup_key)
  and not exists (select 1 from failures f where f.run_id = q.run_id and f.chunk = ${chunk} and f.dedup_key = q.dedup_key
                  and not f.retryable)`;

/** The chunk's ($2) requests of the run ($1) still waiting (stillPending), as `q`. */
export const PENDING_OF_CHUNK = `requests q where q.run_id = $1 and q.chunk = $2 and ${stillPending('$2')}`;
