// Provider bedrock's three AWS SDK clients, made one way: region, credentials and endpoints from the
// SDK's own default chain (AWS_REGION, profiles, roles, AWS_ENDPOINT_URL_BEDROCK /
// _BEDROCK_RUNTIME / _S3) unless the settings name them (the embedded stack does, to reach the
// simulator without touching the environment). One attempt per call: Temporal owns retries.
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { BedrockSettings } from '../../common/config';

export interface AwsClients {
  bedrock: BedrockClient;
  runtime: BedrockRuntimeClient;
  s3: S3Client;
}

/** Kept below the activities' startToCloseTimeout. */
const REQUEST_TIMEOUT_MS = 50_000;

export function awsClients(settings: Partial<BedrockSettings> = {}): AwsClients {
  const common = {
    maxAttempts: 1,
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: 10_000 },
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  };
  const s3Custom = settings.s3Endpoint !== undefined || settings.forcePathStyle === true;
  return {
    bedrock: new BedrockClient({
      ...common,
      ...(settings.bedrockEndpoint ? { endpoint: settings.bedrockEndpoint } : {}),
    }),
    runtime: new BedrockRuntimeClient({
      ...common,
      // HTTP/1.1 like the other two: Bedrock Runtime's default handler is HTTP/2 (for its
      // bidirectional streams, which the sync lane does not use), which S3-style test servers lack.
      requestHandler: new NodeHttpHandler({ requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: 10_000 }),
      ...(settings.runtimeEndpoint ? { endpoint: settings.runtimeEndpoint } : {}),
    }),
    s3: new S3Client({
      ...common,
      ...(settings.s3Endpoint ? { endpoint: settings.s3Endpoint } : {}),
      forcePathStyle: settings.forcePathStyle ?? false,
      // S3-compatible servers do not all take the flexible checksums the SDK now sends by default
      // (aws-chunked bodies with a trailing CRC32); AWS's S3 gets them as usual.
      ...(s3Custom ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
    }),
  };
}

/** `s3://bucket/some/key` -> bucket and key. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1], key: match[2] };
}

/** A key under the spec's prefix (no leading or doubled slashes): the same rule as s3:// outputs. */
export { keyUnder } from '../../common/object-url';
