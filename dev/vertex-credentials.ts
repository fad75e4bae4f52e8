// Throwaway Application Default Credentials for Vertex AI against the simulator: an
// `external_account` file (workload identity federation) whose `token_url` is the simulator's
// OAuth2 endpoint, and the subject token it exchanges, a JWT signed with a key pair made here.
// Why not a service-account key with `token_uri` at the simulator: Node's google-auth-library
// ignores `token_uri` and always posts to Google's own token URL; it honours `token_url` here.
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProviderSettings } from '../common/config';

function subjectToken(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'ES256', typ: 'JWT' })}.${part({
    iss: 'https://llmbatch.invalid',
    sub: 'llmbatch-simulated-workload',
    aud: 'llmbatch-simulator',
    iat: now,
    exp: now + 365 * 24 * 3600,
  })}`;
  const signature = sign('sha256', Buffer.from(unsigned), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${unsigned}.${signature.toString('base64url')}`;
}

/** Writes the credentials file (and its subject token) under `dir`; returns the file's path. */
export function writeSimulatorCredentials(dir: string, simulatorUrl: string): string {
  mkdirSync(dir, { recursive: true });
  const tokenFile = join(dir, 'subject-token.jwt');
  writeFileSync(tokenFile, subjectToken(), { mode: 0o600 });
  const path = join(dir, 'vertex-credentials.json');
  const credentials = {
    type: 'external_account',
    audience: '//iam.googleapis.com/projects/0/locations/global/workloadIdentityPools/llmbatch/providers/simulator',
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${simulatorUrl}/token`,
    credential_source: { file: tokenFile },
  };
  writeFileSync(path, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  return path;
}

/** The bucket provider `vertex` uses against the simulator (created in the emulator by the caller). */
export const SIMULATOR_VERTEX_BUCKET = 'llmbatch-sim';

/**
 * Provider settings that send provider `vertex` to the simulator at `simulatorUrl`, its Cloud
 * Storage to the emulator at `storageUrl`, with throwaway credentials written under `dir`.
 */
export function vertexAtSimulator(
  simulatorUrl: string,
  storageUrl: string,
  dir: string,
  bucket = SIMULATOR_VERTEX_BUCKET,
): Partial<ProviderSettings> {
  return {
    vertexProject: 'llmbatch-sim',
    vertexLocation: 'us-central1',
    vertexBucket: `gs://${bucket}`,
    vertexBaseUrl: simulatorUrl,
    googleCredentialsFile: writeSimulatorCredentials(dir, simulatorUrl),
    storageEndpoint: storageUrl,
  };
}
