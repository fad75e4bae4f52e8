// Heartbeats on a timer while an activity waits on something slow (an upload, a retry-after, a
// rate limiter), so its heartbeat timeout can stay short: a crashed worker's activity moves to a
// live worker within seconds, and a live but patient one is never mistaken for dead.
import { heartbeat } from '@temporalio/activity';

export async function keepAlive<T>(
  work: () => Promise<T>,
  details: () => unknown = () => undefined,
  everyMs = 5000,
): Promise<T> {
  const timer = setInterval(() => heartbeat(details()), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
