// Waiting in integration tests: for a while, or until a condition holds, never for ever.
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms; fails with `what` when it does not hold within `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(100);
  }
}
