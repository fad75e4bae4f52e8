// A run that does not end in time fails its test with what it waits on, rather than hanging until
// jest's own timeout with nothing to read: the progress, and each open workflow of the run with its
// pending activities and last history events. Nothing may wait for ever (the developers' guide).
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { progressQuery, type batchRunWorkflow } from '../../workflows';

type RunHandle = WorkflowHandle<typeof batchRunWorkflow>;

export async function resultWithin(client: Client, handle: RunHandle, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    const outcome = await Promise.race([handle.result(), late]);
    if (outcome !== 'late') return outcome;
  } finally {
    clearTimeout(timer);
  }
  throw new Error(
    `run ${handle.workflowId} did not end within ${ms / 1000} s:\n${await describeStuckRun(client, handle)}`,
  );
}

export async function describeStuckRun(client: Client, handle: RunHandle): Promise<string> {
  const lines: string[] = [];
  const progress = await handle.query(progressQuery).catch((e: unknown) => `query failed: ${String(e)}`);
  lines.push(`progress ${JSON.stringify(progress)}`);
  const open = client.workflow.list({ query: `ExecutionStatus = "Running"` });
  for await (const info of open) {
    if (!info.workflowId.startsWith(handle.workflowId)) continue;
    const described = await client.workflow.getHandle(info.workflowId).describe();
    const pending = (described.raw.pendingActivities ?? []).map((a) => ({
      type: a.activityType?.name,
      state: a.state,
      attempt: a.attempt,
      lastFailure: a.lastFailure?.message,
    }));
    const history = await client.workflow.getHandle(info.workflowId).fetchHistory();
    const last = (history.events ?? [])
      .slice(-6)
      .map((e) => `${String(e.eventId)}:${temporal.api.enums.v1.EventType[e.eventType ?? 0]}`);
    lines.push(`${info.workflowId} (${info.type}) pending ${JSON.stringify(pending)} last events ${last.join(' ')}`);
  }
  return lines.join('\n');
}
