// A Cloud Storage server for Vertex AI batch jobs and gs:// data without Google: fake-gcs-server
// (Apache-2.0, the emulator Google's own client libraries document through STORAGE_EMULATOR_HOST),
// a Go program found or built like the Temporal CLI (dev/go-tools.ts), run in memory on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { processConfig } from '../workers/settings';
import { freePort } from './dev-server';
import { ensureGoTool, type GoTool } from './go-tools';

export const FAKE_GCS_SERVER_MODULE = 'github.com/fsouza/fake-gcs-server@v1.56.1';

function gcsTool(): GoTool {
  return {
    name: 'fake-gcs-server',
    module: FAKE_GCS_SERVER_MODULE,
    fromEnv: processConfig().devStack.fakeGcsServerPath,
    envName: 'FAKE_GCS_SERVER_PATH',
  };
}

/** The emulator's binary, built with Go the first time; an error says what to do without Go. */
export function ensureGcsEmulator(log?: (line: string) => void): string {
  const path = ensureGoTool(gcsTool(), log);
  if (!path)
    throw new Error(
      `no fake-gcs-server and no Go to build it: install Go, or \`go install ${FAKE_GCS_SERVER_MODULE}\` elsewhere and set FAKE_GCS_SERVER_PATH`,
    );
  return path;
}

export interface GcsEmulator {
  /** http://127.0.0.1:PORT: STORAGE_EMULATOR_HOST for @google-cloud/storage. */
  url: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;

async function ready(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`fake-gcs-server exited (${child.exitCode}): ${output().slice(-500)}`);
    const answered = await fetch(`${url}/storage/v1/b`).then(
      (res) => res.ok,
      () => false,
    );
    if (answered) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(
    `fake-gcs-server did not answer at ${url} within ${READY_TIMEOUT_MS / 1000} s: ${output().slice(-500)}`,
  );
}

/** Starts an in-memory emulator on a free loopback port; `stop` ends it (and so do the process's exit). */
export async function startGcsEmulator(options: { log?: (line: string) => void } = {}): Promise<GcsEmulator> {
  const binary = ensureGcsEmulator(options.log);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      '-scheme',
      'http',
      '-host',
      '127.0.0.1',
      '-port',
      String(port),
      '-backend',
      'memory',
      '-public-host',
      `127.0.0.1:${port}`,
      '-external-url',
      url,
      '-log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  await ready(url, child, () => output);
  return {
    url,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Creates a bucket in the emulator (a real project's bucket exists before a run); an existing one is kept. */
export async function createEmulatorBucket(url: string, name: string): Promise<void> {
  const res = await fetch(`${url}/storage/v1/b?project=llmbatch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  await res.arrayBuffer();
  if (!res.ok && res.status !== 409) throw new Error(`fake-gcs-server refused bucket ${name}: ${res.status}`);
}
