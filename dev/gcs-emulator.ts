// A Cloud Storage server for Vertex AI batch jobs and gs:// data without Google: fake-gcs-server
// (Apache-2.0, the emulator Google's own client libraries document through STORAGE_EMULATOR_HOST),
// a Go program found or built like the Temporal CLI (dev/go-tools.ts), run in memory on loopback.
import { processConfig } from '../workers/settings';
import { freePort } from './dev-server';
import { ensureGoTool, type GoTool } from './go-tools';
import { startToolServer } from './tool-server';

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

/** Starts an in-memory emulator on a free loopback port; `stop` ends it (and so do the process's exit). */
export async function startGcsEmulator(options: { log?: (line: string) => void } = {}): Promise<GcsEmulator> {
  const binary = ensureGcsEmulator(options.log);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await startToolServer(
    'fake-gcs-server',
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
    () => fetch(`${url}/storage/v1/b`).then((res) => res.ok),
  );
  return { url, stop: () => server.stop() };
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
