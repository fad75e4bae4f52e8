// Where a workflow's activities ran: which task queue, and which worker process took each one
// (two-worker and cluster tests show that work was shared).
import type { Client } from '@temporalio/client';

export interface ActivityPlacement {
  activity: string;
  taskQueue: string;
  /** The worker that ran it (`pid@host`), from its ActivityTaskStarted event. */
  identity?: string;
}

/** Every activity a workflow scheduled: on which task queue, and which worker took it. */
export async function activityPlacements(client: Client, workflowId: string): Promise<ActivityPlacement[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<number, ActivityPlacement>();
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s)
      scheduled.set(Number(event.eventId), {
        activity: s.activityType?.name ?? '',
        taskQueue: s.taskQueue?.name ?? '',
      });
    const started = event.activityTaskStartedEventAttributes;
    const placement = started && scheduled.get(Number(started.scheduledEventId));
    if (placement) placement.identity = started.identity ?? undefined;
  }
  return [...scheduled.values()];
}
