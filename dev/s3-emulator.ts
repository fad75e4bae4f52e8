// An S3 server for Bedrock batch jobs and s3:// data without AWS: gofakes3 (MIT, a Go library and
// command that keeps buckets in memory and answers the AWS SDKs, path-style), found or built with
// Go like the Temporal CLI and fake-gcs-server (dev/go-tools.ts), run on loopback. Chosen over
// MinIO (AGPL) and moto (a Python runtime and ~100 packages for one service); it is the same
// install path the project already uses for its other emulator.
import { processConfig } from '../workers/settings';
import { freePort } from './dev-server';
import { ensureGoTool, type GoTool } from './go-tools';
import { startToolServer } from './tool-server';

export const GOFAKES3_MODULE = 'github.com/johannesboyne/gofakes3/cmd/gofakes3@v1.2.0';

/** What every client of the emulator signs with: it checks no signature, the SDKs insist on one. */
export const S3_EMULATOR_CREDENTIALS = { accessKeyId: 'llmbatch', secretAccessKey: 'llmbatch-emulator' };
export const S3_EMULATOR_REGION = 'us-east-1';

function s3Tool(): GoTool {
  return {
    name: 'gofakes3',
    module: GOFAKES3_MODULE,
    fromEnv: processConfig().devStack.gofakes3Path,
    envName: 'GOFAKES3_PATH',
    buildTime: 'a minute',
  };
}

/** The emulator's binary, built with Go the first time; an error says what to do without Go. */
export function ensureS3Emulator(log?: (line: string) => void): string {
  const path = ensureGoTool(s3Tool(), log);
  if (!path)
    throw new Error(
      `no gofakes3 and no Go to build it: install Go, or \`go install ${GOFAKES3_MODULE}\` elsewhere and set GOFAKES3_PATH`,
    );
  return path;
}

export interface S3Emulator {
  /** http://127.0.0.1:PORT: AWS_ENDPOINT_URL_S3 for the AWS SDK, path-style. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts an in-memory emulator on a free loopback port with `buckets` made (any other bucket must be
 * created by its user, as on S3); `stop` ends it, and so does this process's exit.
 */
export async function startS3Emulator(
  options: { buckets?: string[]; log?: (line: string) => void } = {},
): Promise<S3Emulator> {
  const binary = ensureS3Emulator(options.log);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await startToolServer(
    'gofakes3',
    binary,
    ['-backend', 'memory', '-host', `127.0.0.1:${port}`, '-quiet'],
    // Any answer (ListBuckets unsigned is a 403 or an empty list) says it listens.
    () => fetch(`${url}/`).then(() => true),
  );
  try {
    for (const bucket of options.buckets ?? []) {
      // CreateBucket, path-style, unsigned: the emulator does not check signatures.
      const res = await fetch(`${url}/${bucket}`, { method: 'PUT' });
      if (!res.ok && res.status !== 409) throw new Error(`gofakes3 did not create bucket ${bucket}: ${res.status}`);
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url, stop: () => server.stop() };
}
