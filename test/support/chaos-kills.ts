// A chaos run whose worker, in a process of its own, is SIGKILLed mid-run: killed by what the run
// has done (answers in), not by the clock, and started again each time. Shared by the providers'
// chaos soak tests (test/soak/*-chaos.test.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedSpec, RunReport } from '../../common';
import { startRun } from '../../client/start-run';
import { progressQuery } from '../../workflows';
import { workflowBundle, type Harness } from './harness';
import { until } from './until';
import { spawnWorker, type WorkerProcess } from './worker-process';

export interface KilledRun {
  report: RunReport;
  runId: string;
  /** Wall time of the run, ms. */
  tookMs: number;
  /** When each kill came, ms after the start. */
  killedAt: number[];
}

/** Workers of the test file, killed when it ends. */
export class ChaosWorkers {
  private readonly workers: WorkerProcess[] = [];
  private bundle?: string;

  constructor(
    private readonly h: Harness,
    /** The worker's provider settings (keys, endpoints), as environment variables. */
    private readonly extraEnv: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    // Built once: each worker started after a kill loads it instead of bundling the workflows anew.
    if (!this.bundle) {
      this.bundle = join(this.h.dir, 'workflow-bundle.js');
      writeFileSync(this.bundle, (await workflowBundle()).code);
    }
    const worker = spawnWorker({
      taskQueue: this.h.taskQueue,
      storeDir: this.h.storeDir,
      simulatorUrl: this.h.simulator.url,
      extraEnv: {
        LLMBATCH_BREAKER_OPEN_MS: '200',
        LLMBATCH_BREAKER_MAX_OPEN_MS: '1000',
        LLMBATCH_WORKFLOW_BUNDLE: this.bundle,
        ...this.extraEnv,
      },
    });
    this.workers.push(worker);
    await until('the worker to poll', () => worker.output().includes('worker polling'), 60_000);
  }

  /** Runs `spec`, SIGKILLing the worker once each count of answers in `killAfter` is reached. */
  async runWithKills(spec: ResolvedSpec, runId: string, killAfter: number[]): Promise<KilledRun> {
    await this.start();
    const started = Date.now();
    const handle = await startRun(this.h.client, spec, { taskQueue: this.h.taskQueue, runId });
    const killedAt: number[] = [];
    for (const answered of killAfter) {
      await until(
        `${answered} answers`,
        async () => ((await handle.query(progressQuery).catch(() => undefined))?.succeeded ?? 0) >= answered,
        60_000,
      );
      await this.workers[this.workers.length - 1].kill('SIGKILL');
      killedAt.push(Date.now() - started);
      await this.start();
    }
    const report = await handle.result();
    return { report, runId, tookMs: Date.now() - started, killedAt };
  }

  async killAll(): Promise<void> {
    for (const w of this.workers) await w.kill();
  }
}
