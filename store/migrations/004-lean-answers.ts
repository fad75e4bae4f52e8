// Answers cost less to write (a 1M-item run's largest statement time was copying them in):
// - `parsed` held the answer's JSON a second time, as jsonb the server parsed on every row; it was
//   only ever read back as "the output is JSON", so a flag says that and the output is parsed again.
// - The primary key leads with the dedup key, so the answers cache looks answers up across runs by
//   it and the separate (dedup_key, created_at) index goes: one index fewer on every answer.
export const LEAN_ANSWERS = `
alter table results add column if not exists json_answer boolean not null default false;
do $$ begin
  if exists (select 1 from information_schema.columns
             where table_schema = current_schema() and table_name = 'results' and column_name = 'parsed') then
    update results set json_answer = true where parsed is not null;
    alter table results drop column parsed;
  end if;
end $$;
alter table results drop constraint if exists results_pkey;
alter table results add primary key (dedup_key, run_id);
drop index if exists results_by_key;
`;
