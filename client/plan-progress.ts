// While a run plans, how far its plan has read: the plan activity heartbeats { lines }
// (activities/plan/plan.ts) and a workflow's description carries each pending activity's last heartbeat.
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
 * The plan while it runs: on a terminal a line of its own counting the lines read and their rate,
 * left on screen with the final count when the plan ends, so the run's bar starts below it;
 * otherwise a plain line every few seconds and one at the end. The input's size is not known
 * before it is read (a glob, a URL, a gzipped file), so it counts up rather than toward a total.
 */
export class PlanView {
  private bar?: SingleBar;
  private firstSeenMs?: number;
  private lastLineMs = 0;
  private ended = false;
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly interactive: boolean,
  ) {}

  show(progress: PlanProgress | undefined): void {
    if (this.ended) return;
    this.firstSeenMs ??= Date.now();
    if (!this.interactive) {
      if (Date.now() - this.lastLineMs < 5000) return;
      this.out.write(`${describePlan(progress)}\n`);
      this.lastLineMs = Date.now();
      return;
    }
    const payload = {
      lines: (progress?.lines ?? 0).toLocaleString('en-US'),
      rate: progress?.perSecond ? Math.round(progress.perSecond).toLocaleString('en-US') : '-',
    };
    if (!this.bar) {
      this.bar = new SingleBar(
        { format: ' planning | {lines} lines read | {rate} rows/s | {duration_formatted}', hideCursor: true },
        Presets.shades_classic,
      );
      this.bar.start(0, 0, payload);
    }
    this.bar.update(progress?.lines ?? 0, payload);
  }

  /** The plan ended with `lines` read: said once, with the rate over the time it was watched. */
  end(lines: number): void {
    if (this.ended || this.firstSeenMs === undefined) {
      this.ended = true;
      return;
    }
    const seconds = (Date.now() - this.firstSeenMs) / 1000;
    const final = { lines, perSecond: seconds > 0 ? lines / seconds : 0 };
    if (this.interactive) this.show(final);
    else this.out.write(`${describePlan(final)}\n`);
    this.stop();
  }

  stop(): void {
    this.ended = true;
    this.bar?.stop();
  }
}
