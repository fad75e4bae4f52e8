// Waiting on Temporal through its absences: a server restart or a network cut makes calls fail with
// a ServiceError (gRPC UNAVAILABLE, a long poll cut) while the run goes on in Temporal. The CLI says
// so once, retries with backoff, says when it is back, and never gives up while the run goes on;
// only the caller's own limit (`--wait-timeout`) ends the wait.
import { ServiceError } from '@temporalio/client';

/** The first retry comes after this, doubling up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 15_000;

export class WaitTimeout extends Error {
  constructor(
    readonly runId: string,
    readonly timeout: string,
  ) {
    super(
      `stopped waiting after --wait-timeout ${timeout}: run ${runId} goes on; reattach with \`llmbatch wait ${runId}\``,
    );
  }
}

/** gRPC's UNAVAILABLE: no server answers at the address (a restart, a network cut). */
const UNAVAILABLE = 14;

/** The error is Temporal being away, not an answer about the run (a worker away times a query out instead). */
export const isUnreachable = (error: unknown): boolean =>
  error instanceof ServiceError && (error.cause as { code?: unknown } | undefined)?.code === UNAVAILABLE;

/** One line when Temporal goes away, one when it answers again, however many calls notice. */
export class Reachability {
  private away = false;
  constructor(
    private readonly address: string,
    private readonly say: (line: string) => void,
  ) {}

  lost(): void {
    if (!this.away) this.say(`Temporal unreachable at ${this.address}, retrying (the run goes on in Temporal)`);
    this.away = true;
  }

  found(): void {
    if (this.away) this.say(`Temporal at ${this.address} answers again`);
    this.away = false;
  }
}

export interface RideOutOptions {
  reach: Reachability;
  runId: string;
  /** Wall-clock time past which the wait ends with WaitTimeout; none: never. */
  deadlineAt?: number;
  /** --wait-timeout as the user wrote it, for the message. */
  timeout?: string;
  /** Tests shrink the backoff. */
  retryFirstMs?: number;
  /** Ask again only while Temporal is unreachable (a call that does not wait: any other error is its answer). */
  onlyUnreachable?: boolean;
  /**
   * The wait between attempts keeps the process alive: for a caller with nothing else that does
   * (`status` on a lazy connection). Off, a wait abandoned at a deadline does not hold the exit up.
   */
  holdProcess?: boolean;
}

/** Resolves after `ms`, or at the deadline if that comes first. */
function nap(ms: number, deadlineAt?: number, hold = false): Promise<void> {
  const wait = deadlineAt === undefined ? ms : Math.max(0, Math.min(ms, deadlineAt - Date.now()));
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, wait);
    if (!hold) timer.unref();
  });
}

/**
 * Calls `call` until it answers: through Temporal's absences, with backoff, up to the deadline. Any
 * other error is the call's answer and is thrown at once.
 */
export async function rideOut<T>(call: () => Promise<T>, options: RideOutOptions): Promise<T> {
  let delay = options.retryFirstMs ?? RETRY_FIRST_MS;
  for (;;) {
    try {
      const answer = await call();
      options.reach.found();
      return answer;
    } catch (error) {
      // Any ServiceError of a call that only waits (a long poll cut short) is asked again; only
      // UNAVAILABLE is news worth a line.
      if (!(error instanceof ServiceError) || (options.onlyUnreachable && !isUnreachable(error))) throw error;
      if (isUnreachable(error)) options.reach.lost();
      if (options.deadlineAt !== undefined && Date.now() >= options.deadlineAt)
        throw new WaitTimeout(options.runId, options.timeout ?? 'its limit');
      await nap(delay, options.deadlineAt, options.holdProcess);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }
}
