// Why we stopped a batch ourselves (`deadline`: unfinished at poll.deadline; `stalled`: not started
// by poll.startDeadline), so the report can say how many of a run's batches each took.
export const BATCH_STOP_REASON = `
alter table batches add column if not exists stop_reason text;
`;
