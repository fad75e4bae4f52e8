// When each batch was first seen running, when the provider says it ended, and when our poll saw
// it done: the report's timeline of batches per chunk, and the poll lag between the last two.
export const BATCH_TIMELINE = `
alter table batches add column if not exists running_at timestamptz;
alter table batches add column if not exists provider_ended_at timestamptz;
alter table batches add column if not exists done_at timestamptz;
`;
