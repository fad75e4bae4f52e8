// The CLI as a user runs it (`npm run cli -- ...` is `tsx client/cli.ts ...`), against the test dev
// server: to its end (code, stdout, stderr), or as a process a test can watch and signal.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { temporalAddress } from './harness';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const CLI = ['--require', 'tsx/cjs', join(ROOT, 'client', 'cli.ts')];

function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, NODE_OPTIONS: '', CI: '1', TEMPORAL_ADDRESS: temporalAddress(), ...env };
}

/** Runs the CLI to its end. */
export async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [...CLI, ...args], {
      cwd: ROOT,
      env: cliEnv(env),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The CLI as a process the test can watch and signal. */
export function spawnCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, env: cliEnv(env), stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}
