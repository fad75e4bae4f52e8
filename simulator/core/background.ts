// CPU work in slices between I/O callbacks. Parsing and answering a 50,000-line batch takes
// seconds; done in one go inside a request it would freeze every other client of the simulator
// (and, when embedded, the Temporal worker sharing its process). A sliced task yields every few
// milliseconds and can always be run to completion on the spot when a reader needs its result.
const SLICE_MS = 8;

export class SlicedTask {
  private done = false;
  private stopped = false;
  private scheduled = false;

  /** `step(deadline)` does work until Date.now() reaches deadline; returns true when all is done. */
  constructor(private readonly step: (deadline: number) => boolean) {}

  /** True while work remains and nobody stopped it. */
  get running(): boolean {
    return !this.done && !this.stopped;
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
  }

  private schedule(): void {
    if (this.scheduled || this.done || this.stopped) return;
    this.scheduled = true;
    // unref: a pending slice must never keep a process (or a jest worker) alive on its own.
    setImmediate(() => {
      this.scheduled = false;
      if (this.done || this.stopped) return;
      this.done = this.step(Date.now() + SLICE_MS);
      this.schedule();
    }).unref();
  }
}
