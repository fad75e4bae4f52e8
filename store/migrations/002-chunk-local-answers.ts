// Answers and failures carry their request's chunk, so what a chunk still waits for, what it cost
// and what it answered are read from that chunk's rows alone. Probing the run-wide primary keys
// once per request made every chunk query touch random pages of indexes that outgrow the server's
// cache at a million items: a 1M-item run spent about 90 s of statement time there.
export const CHUNK_LOCAL_ANSWERS = `
alter table results add column if not exists chunk integer;
alter table failures add column if not exists chunk integer;
update results r set chunk = q.chunk from requests q
 where r.chunk is null and q.run_id = r.run_id and q.dedup_key = r.dedup_key;
update failures f set chunk = q.chunk from requests q
 where f.chunk is null and q.run_id = f.run_id and q.dedup_key = f.dedup_key;
create index if not exists results_by_chunk on results (run_id, chunk);
create index if not exists failures_by_chunk on failures (run_id, chunk);
`;
