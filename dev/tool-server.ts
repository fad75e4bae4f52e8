// A local server the project runs as a child process (the Cloud Storage and S3 emulators): started
// on loopback, waited for until it answers, killed with this process, stopped on demand.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ToolServer {
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;

async function ready(name: string, probe: () => Promise<boolean>, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${output().slice(-500)}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not answer within ${READY_TIMEOUT_MS / 1000} s: ${output().slice(-500)}`);
}

/** Starts `binary args`, resolves once `probe` says it answers; `stop` ends it (and so does this process's exit). */
export async function startToolServer(
  name: string,
  binary: string,
  args: string[],
  probe: () => Promise<boolean>,
): Promise<ToolServer> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await ready(name, probe, child, () => output);
  } catch (error) {
    process.off('exit', killOnExit);
    throw error;
  }
  return {
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
