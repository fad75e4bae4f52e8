// While a run plans, how far its plan has read: the plan activity heartbeats { lines }
// (activities/plan.ts) and a workflow's description carries each pending activity's last heartbeat.
// Read here rather than through the progress query: a workflow sees nothing of an activity until it
// ends, and telling it would take a signal (history events) per update.
import type { WorkflowHandle } from '@temporalio/client';
import { Presets, SingleBar } from 'cli-progress';
import type { temporal } from '@temporalio/proto';

export interface PlanProgress {
  /** Input lines the plan has read so far. */
  lines: number;
  /** Lines per second since the plan's attempt started (the server's clock at both ends). */
  perSecond: number;
}

const PLAN_ACTIVITY = 'planRun';

type Timestamp = temporal.api.workflow.v1.IPendingActivityInfo['lastHeartbeatTime'];

const msOf = (t: Timestamp) => (t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : undefined);

/** The plan's progress, or undefined when no plan is under way or it has not said anything yet. */
export async function planProgress(handle: WorkflowHandle): Promise<PlanProgress | undefined> {
  const { raw } = await handle.describe();
  const plan = raw.pendingActivities?.find((a) => a.activityType?.name === PLAN_ACTIVITY);
  const payloads = plan?.heartbeatDetails?.payloads;
  if (!plan || !payloads?.length) return undefined;
  // The client's own converter: an encrypted run's heartbeat is decoded as its other payloads are.
  const { payloadCodecs, payloadConverter } = handle.client.options.loadedDataConverter;
  let decoded = payloads;
  for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  const details = payloadConverter.fromPayload<{ lines?: unknown } | undefined>(decoded[0]);
  // A keep-alive beat carries no details: the count is unknown until the next page's beat.
  if (typeof details?.lines !== 'number') return undefined;
  const started = msOf(plan.lastStartedTime);
  const beat = msOf(plan.lastHeartbeatTime);
  const seconds = started !== undefined && beat !== undefined ? (beat - started) / 1000 : 0;
  return { lines: details.lines, perSecond: seconds > 0 ? details.lines / seconds : 0 };
}

/** `planning: 120,000 lines read (41,000 rows/s)`. */
export function describePlan(progress: PlanProgress | undefined): string {
  if (!progress) return 'planning: reading the input';
  const rate = progress.perSecond > 0 ? ` (${Math.round(progress.perSecond).toLocaleString('en-US')} rows/s)` : '';
  return `planning: ${progress.lines.toLocaleString('en-US')} lines read${rate}`;
}

/**
 * The plan on a terminal: a line of its own, counting the lines read and their rate, left on screen
 * when the plan ends so the run's bar starts below it. The input's size is not known before it is
 * read (a glob, a URL, a gzipped file), so it counts up rather than toward a total.
 */
export class PlanBar {
  private bar?: SingleBar;
  private done = false;
  update(progress: PlanProgress | undefined): void {
    if (this.done) return;
    const rate = progress?.perSecond ? Math.round(progress.perSecond).toLocaleString('en-US') : '-';
    if (!this.bar) {
      this.bar = new SingleBar(
        { format: ' planning | {value} lines read | {rate} rows/s | {duration_formatted}', hideCursor: true },
        Presets.shades_classic,
      );
      this.bar.start(0, 0, { rate });
    }
    this.bar.update(progress?.lines ?? 0, { rate });
  }
  stop(): void {
    this.done = true;
    this.bar?.stop();
  }
}
