// Where an llmbatch run spent its time, read back from its workflow histories: every execution
// of the run (the parent across continue-as-new, and every chunk), its event count, and each
// activity's span from ActivityTaskScheduled to its closing event. A scheduled activity that is
// retried (the poll's "not ready") writes no events until it closes, so one span is one whole wait.
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface ActivitySpan {
  name: string;
  ms: number;
  /** completed, failed, timed out or cancelled */
  outcome: string;
  /** The attempt that closed it: how many looks a poll took. */
  attempts: number;
}

export interface ExecutionStats {
  workflowId: string;
  runId: string;
  isParent: boolean;
  status: string;
  events: number;
  startMs: number;
  endMs: number;
  activities: ActivitySpan[];
  childrenStarted: number;
}

function num(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

const CLOSINGS: [temporal.api.enums.v1.EventType, keyof HistoryEvent, string][] = [
  [EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 'activityTaskCompletedEventAttributes', 'completed'],
  [EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED, 'activityTaskFailedEventAttributes', 'failed'],
  [EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, 'activityTaskTimedOutEventAttributes', 'timed out'],
  [EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, 'activityTaskCanceledEventAttributes', 'cancelled'],
];

function statsOf(events: HistoryEvent[]): Pick<ExecutionStats, 'startMs' | 'endMs' | 'activities' | 'childrenStarted'> {
  const scheduled = new Map<number, { name: string; at: number; attempts: number }>();
  const activities: ActivitySpan[] = [];
  let childrenStarted = 0;
  for (const event of events) {
    const at = tsToMs(event.eventTime);
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const name = event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
      scheduled.set(num(event.eventId), { name, at, attempts: 1 });
    } else if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const started = event.activityTaskStartedEventAttributes;
      const start = scheduled.get(num(started?.scheduledEventId));
      if (start) start.attempts = started?.attempt ?? 1;
    } else if (event.eventType === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
      childrenStarted++;
    } else {
      const closing = CLOSINGS.find(([type]) => type === event.eventType);
      if (!closing) continue;
      const attributes = event[closing[1]] as { scheduledEventId?: number | { toNumber(): number } | null };
      const start = scheduled.get(num(attributes?.scheduledEventId));
      if (start)
        activities.push({ name: start.name, ms: at - start.at, outcome: closing[2], attempts: start.attempts });
    }
  }
  return {
    startMs: events.length ? tsToMs(events[0].eventTime) : 0,
    endMs: events.length ? tsToMs(events[events.length - 1].eventTime) : 0,
    activities,
    childrenStarted,
  };
}

/**
 * Every closed execution of the run. Visibility may trail the run's end by a moment, so this reads
 * again until it holds a completed parent and every chunk the parent's histories say it started.
 */
export async function runExecutions(client: Client, runId: string, timeoutMs = 30_000): Promise<ExecutionStats[]> {
  const found = new Map<string, ExecutionStats>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for await (const execution of client.workflow.list({ query: `LlmRunId = "${runId}"` })) {
      const key = `${execution.workflowId}/${execution.runId}`;
      if (found.has(key) || execution.status.name === 'RUNNING') continue;
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      const events = history.events ?? [];
      found.set(key, {
        workflowId: execution.workflowId,
        runId: execution.runId,
        isParent: execution.workflowId === runId,
        status: execution.status.name,
        events: events.length,
        ...statsOf(events),
      });
    }
    const all = [...found.values()];
    const parents = all.filter((e) => e.isParent);
    const chunksStarted = parents.reduce((sum, e) => sum + e.childrenStarted, 0);
    const chunks = all.length - parents.length;
    if (parents.some((e) => e.status !== 'CONTINUED_AS_NEW') && chunks >= chunksStarted) return all;
    if (Date.now() > deadline)
      throw new Error(`run ${runId}: found ${chunks} of ${chunksStarted} chunk executions in visibility`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
