// A worker in its own OS process (workers/main.ts), so a test can SIGKILL it like a crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { temporalAddress } from './harness';

const ROOT = join(__dirname, '..', '..');

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnWorker(env: {
  taskQueue: string;
  storeDir: string;
  simulatorUrl: string;
  address?: string;
  /** The worker's working directory (default: the repository), against which relative paths resolve. */
  cwd?: string;
  /** More variables for the worker (LLMBATCH_FILES_QUEUE, LLMBATCH_WORKFLOW_BUNDLE, ...). */
  extraEnv?: Record<string, string>;
}): WorkerProcess {
  let output = '';
  // tsx by absolute path and tsconfig: the worker may run from a folder outside the repository.
  const tsx = require.resolve('tsx/cjs');
  const child = spawn(process.execPath, ['--require', tsx, join(ROOT, 'workers', 'main.ts')], {
    cwd: env.cwd ?? ROOT,
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'),
      NODE_OPTIONS: '',
      TEMPORAL_ADDRESS: env.address ?? temporalAddress(),
      LLMBATCH_TASK_QUEUE: env.taskQueue,
      ...(env.storeDir.startsWith('postgres')
        ? { DATABASE_URL: env.storeDir }
        : { LLMBATCH_STORE_DIR: env.storeDir, DATABASE_URL: '' }),
      LLMBATCH_SIMULATOR_URL: env.simulatorUrl,
      LLMBATCH_LOG_LEVEL: 'WARN',
      ...env.extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return {
    child,
    output: () => output,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
}
