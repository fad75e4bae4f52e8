// The e2e bench's worker: `llmbatch worker` (workers/main.ts) in a process of its own, as in
// production (bench/process-memory.ts measures it).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { codecEnv } from './bench-codec';

const ROOT = join(__dirname, '..');

/** The worker's heap as the image runs it (Dockerfile: NODE_OPTIONS); docs/spec.md, Memory of a worker. */
export const PRODUCTION_NODE_FLAGS = '--max-old-space-size=512';

/** BENCH_NODE_FLAGS, when set (empty: V8's defaults), else the production flags. */
export function workerNodeFlags(): string {
  return process.env.BENCH_NODE_FLAGS ?? PRODUCTION_NODE_FLAGS;
}

export interface BenchWorker {
  pid: number;
  /** Resolves when the worker polls its task queue; rejects with its output if it exits first. */
  ready: Promise<void>;
  /** Rejects with the worker's output if it exits before stop(). */
  exited: Promise<never>;
  output(): string;
  stop(): Promise<void>;
}

export function spawnBenchWorker(env: {
  address: string;
  taskQueue: string;
  storeDir: string;
  simulatorUrl: string;
  workflowBundle: string;
  /** More of the worker's environment (its webhook endpoint). */
  extra?: Record<string, string>;
}): BenchWorker {
  // Nothing of the developer's own llmbatch, Temporal or database settings leaks into the worker,
  // but the codec's (the bench's clients encrypt with it too: bench/bench-codec.ts) and the store
  // server's settings (LLMBATCH_STORE_SETTINGS: what a setting changes is what the bench is for).
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        key === 'LLMBATCH_STORE_SETTINGS' ||
        (!key.startsWith('LLMBATCH_') && !key.startsWith('TEMPORAL_') && key !== 'DATABASE_URL'),
    ),
  );
  // BENCH_CPU_PROFILE=DIR: the worker writes a V8 CPU profile there when it stops (where did the time go).
  const profile = process.env.BENCH_CPU_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`]
    : [];
  const flags = workerNodeFlags().split(' ').filter(Boolean);
  const args = [...profile, ...flags, '--require', 'tsx/cjs', join(ROOT, 'workers', 'main.ts')];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...inherited,
      NODE_OPTIONS: '',
      TEMPORAL_ADDRESS: env.address,
      LLMBATCH_TASK_QUEUE: env.taskQueue,
      LLMBATCH_STORE_DIR: env.storeDir,
      LLMBATCH_SIMULATOR_URL: env.simulatorUrl,
      LLMBATCH_WORKFLOW_BUNDLE: env.workflowBundle,
      LLMBATCH_LOG_LEVEL: 'WARN',
      LLMBATCH_SHUTDOWN_GRACE: '2s',
      ...codecEnv(),
      ...env.extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The worker dies with the bench, even when the bench ends by an error or a signal.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let output = '';
  let stopping = false;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const died: Promise<never> = exit.then(() => {
    if (stopping) return new Promise<never>(() => {});
    throw new Error(`the worker exited (${child.exitCode ?? child.signalCode}):\n${output.slice(-3000)}`);
  });
  // Seen only by a caller that races it; a worker that dies unwatched must not crash the bench.
  died.catch(() => {});
  child.stdout?.on('data', (data: Buffer) => {
    output += data.toString();
    if (output.includes('worker polling task queue')) markReady();
  });
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  return {
    pid: child.pid!,
    ready: Promise.race([ready, died]),
    exited: died,
    output: () => output,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
