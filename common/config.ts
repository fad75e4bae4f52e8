// Every environment variable llmbatch reads, in one place: its default, who reads it, what it does
// (docs/configuration.md's table is written from these descriptions) and how it is validated. Pure: callers
// pass `process.env`, so this module stays free of Node and workflows may share its types.
// Temporal's own connection variables (TEMPORAL_ADDRESS, profiles, TLS, API key) are applied by
// @temporalio/envconfig in workers/settings.ts; they are listed here so they are documented.
import { z } from 'zod';
import { isDuration, parseDuration } from './duration';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS } from './constants';

export type ConfigReader = 'CLI' | 'worker' | 'dev';

export interface EnvVarSpec {
  /** The value used when the variable is unset or empty; none means "off" or computed (see the description). */
  default?: string;
  readBy: readonly ConfigReader[];
  description: string;
}

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type ConfigLogLevel = (typeof LOG_LEVELS)[number];

/** An Azure OpenAI API version with the Batch API, used when OPENAI_API_VERSION is not set. */
export const AZURE_BATCH_API_VERSION = '2025-04-01-preview';

export const ENV_VARS = {
  TEMPORAL_ADDRESS: {
    default: DEFAULT_TEMPORAL_ADDRESS,
    readBy: ['CLI', 'worker'],
    description: 'Temporal frontend host:port (read by @temporalio/envconfig)',
  },
  TEMPORAL_NAMESPACE: {
    default: DEFAULT_NAMESPACE,
    readBy: ['CLI', 'worker'],
    description: 'Temporal namespace (read by @temporalio/envconfig; also in Web UI links)',
  },
  TEMPORAL_PROFILE: {
    readBy: ['CLI', 'worker'],
    description:
      'profile in the Temporal config file (TEMPORAL_CONFIG_FILE); with TEMPORAL_API_KEY and TEMPORAL_TLS* it reaches Temporal Cloud (read by @temporalio/envconfig)',
  },
  TEMPORAL_UI_URL: {
    readBy: ['CLI'],
    description:
      'base of the Web UI links that run, status, wait, cancel, dlq and schedule print; else the UI of the server `dev` started (.llmbatch/dev-server.json); else the gRPC port + 1000',
  },
  LLMBATCH_TASK_QUEUE: {
    default: DEFAULT_TASK_QUEUE,
    readBy: ['CLI', 'worker', 'dev'],
    description: 'task queue the CLI starts runs on and the worker polls',
  },
  LLMBATCH_FILES_QUEUE: {
    readBy: ['CLI', 'worker'],
    description:
      'a worker also polls this task queue for the activities that read the input and write the output files (plan, finalize); the CLI starts runs that schedule them there. Set it, alike, on the machine that has the files; unset = any worker (one machine or a shared disk)',
  },
  LLMBATCH_FILES_WORKER_WAIT: {
    default: '5m',
    readBy: ['CLI'],
    description:
      'how long a run waits for a worker on its files queue before it says so: the plan fails the run (nothing spent yet), the files wait with phase `waiting:files` and an alert',
  },
  DATABASE_URL: {
    readBy: ['worker'],
    description:
      'PostgreSQL store shared by workers on many machines; unset = the embedded PostgreSQL server of LLMBATCH_STORE_DIR',
  },
  LLMBATCH_STORE_DIR: {
    default: '.llmbatch/store',
    readBy: ['worker'],
    description:
      'folder of the embedded PostgreSQL server (started on first use, joined by every process on the folder) when DATABASE_URL is unset',
  },
  LLMBATCH_STORE_SETTINGS: {
    readBy: ['worker', 'dev'],
    description:
      "PostgreSQL settings (`name=value`, separated by spaces) for an embedded store server that this process starts; they win over llmbatch's own",
  },
  LLMBATCH_SIMULATOR_URL: {
    readBy: ['worker'],
    description: 'base URL (no /v1) of the simulator, for provider `simulator`; `dev` and the demo pass their own',
  },
  OPENAI_API_KEY: { readBy: ['worker', 'dev'], description: 'API key for provider `openai`' },
  OPENAI_BASE_URL: {
    readBy: ['worker', 'dev'],
    description: 'an OpenAI-compatible endpoint for provider `openai`; unset = api.openai.com',
  },
  ANTHROPIC_API_KEY: { readBy: ['worker', 'dev'], description: 'API key for provider `anthropic`' },
  ANTHROPIC_BASE_URL: {
    readBy: ['worker', 'dev'],
    description: 'another endpoint for provider `anthropic`; unset = api.anthropic.com',
  },
  GEMINI_API_KEY: {
    readBy: ['worker', 'dev'],
    description: 'API key for provider `gemini` (the Gemini Developer API); GOOGLE_API_KEY when unset',
  },
  GOOGLE_API_KEY: {
    readBy: ['worker', 'dev'],
    description: 'API key for provider `gemini` when GEMINI_API_KEY is unset (the name @google/genai also reads)',
  },
  GEMINI_BASE_URL: {
    readBy: ['worker', 'dev'],
    description: 'another endpoint (no /v1beta) for provider `gemini`; unset = generativelanguage.googleapis.com',
  },
  GOOGLE_CLOUD_PROJECT: {
    readBy: ['worker', 'dev'],
    description: 'Google Cloud project for provider `vertex`, unless the spec names `vertex.project`',
  },
  GOOGLE_CLOUD_LOCATION: {
    readBy: ['worker', 'dev'],
    description: 'Vertex AI region (us-central1...) for provider `vertex`, unless the spec names `vertex.location`',
  },
  LLMBATCH_VERTEX_BUCKET: {
    readBy: ['worker', 'dev'],
    description:
      'gs://bucket[/prefix] where provider `vertex` writes batch inputs and Vertex AI its predictions, unless the spec names `vertex.bucket`',
  },
  GOOGLE_APPLICATION_CREDENTIALS: {
    readBy: ['worker', 'dev'],
    description:
      'Application Default Credentials file for provider `vertex` (and its Cloud Storage); unset = the ADC search (gcloud login, metadata server)',
  },
  VERTEX_BASE_URL: {
    readBy: ['worker', 'dev'],
    description: "another endpoint for provider `vertex`; unset = the region's aiplatform.googleapis.com",
  },
  STORAGE_EMULATOR_HOST: {
    readBy: ['worker', 'dev'],
    description: 'a Cloud Storage emulator (http://host:port) for provider `vertex`, as @google-cloud/storage reads it',
  },
  AWS_REGION: {
    readBy: ['worker', 'dev'],
    description:
      'provider `bedrock`: the region of its jobs, read by the AWS SDK itself with the rest of its default chain (AWS_PROFILE, ~/.aws/config, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, web identity, instance roles)',
  },
  AWS_ENDPOINT_URL: {
    readBy: ['worker', 'dev'],
    description:
      'provider `bedrock`: one endpoint for every AWS service the service-specific variables below do not name (the AWS SDK reads it)',
  },
  AWS_ENDPOINT_URL_BEDROCK: {
    readBy: ['worker', 'dev'],
    description:
      'provider `bedrock`: another endpoint for the Bedrock control plane (jobs), read by the AWS SDK itself',
  },
  AWS_ENDPOINT_URL_BEDROCK_RUNTIME: {
    readBy: ['worker', 'dev'],
    description:
      'provider `bedrock`: another endpoint for Bedrock Runtime (Converse: the sync lane), read by the AWS SDK itself',
  },
  AWS_ENDPOINT_URL_S3: {
    readBy: ['worker', 'dev'],
    description:
      'provider `bedrock`: another endpoint for S3 (an S3-compatible server), read by the AWS SDK itself; when set (or AWS_ENDPOINT_URL), S3 is addressed path-style',
  },
  LLMBATCH_S3_FORCE_PATH_STYLE: {
    readBy: ['worker', 'dev'],
    description:
      '`true` or `false`: S3 path-style addressing (`http://host/bucket/key`); unset = path-style exactly when AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL is set',
  },
  AZURE_OPENAI_API_KEY: { readBy: ['worker', 'dev'], description: 'API key for provider `azure-openai`' },
  AZURE_OPENAI_ENDPOINT: {
    readBy: ['worker', 'dev'],
    description: 'https://<resource>.openai.azure.com, for provider `azure-openai`',
  },
  OPENAI_API_VERSION: {
    default: AZURE_BATCH_API_VERSION,
    readBy: ['worker', 'dev'],
    description: 'Azure OpenAI API version (one with the Batch API)',
  },
  LLMBATCH_WEBHOOK_PORT: {
    readBy: ['worker'],
    description:
      "port of the worker's endpoint for OpenAI batch webhooks, POST /webhooks/openai (needs OPENAI_WEBHOOK_SECRET); unset = no endpoint, chunks only poll; `dev` and the demo open one of their own",
  },
  LLMBATCH_WEBHOOK_HOST: {
    default: '127.0.0.1',
    readBy: ['worker'],
    description: 'address the webhook endpoint listens on (0.0.0.0 behind a reverse proxy or in a container)',
  },
  OPENAI_WEBHOOK_SECRET: {
    readBy: ['worker'],
    description:
      'the signing secret (whsec_...) of the OpenAI webhook endpoint; events whose signature does not verify are refused (400)',
  },
  LLMBATCH_METRICS_PORT: {
    readBy: ['worker', 'dev'],
    description:
      "port of the worker's Prometheus endpoint, GET /metrics: llmbatch's counters, Node's process metrics and the Temporal runtime's own (worker task slots, polls, latencies) in one scrape; unset = no endpoint",
  },
  LLMBATCH_METRICS_HOST: {
    default: '127.0.0.1',
    readBy: ['worker', 'dev'],
    description:
      'address the metrics endpoint listens on (0.0.0.0 for a Prometheus on another machine or in a container)',
  },
  LLMBATCH_LOG_FORMAT: {
    default: 'text',
    readBy: ['worker', 'dev'],
    description:
      'text (human lines) or json: one JSON object a line on stdout with time, level, message, and the runId and chunk of the workflow or activity that logged it',
  },
  LLMBATCH_BREAKER_THRESHOLD: {
    default: '5',
    readBy: ['worker', 'dev'],
    description: "consecutive outage errors (connection, timeout, 5xx) that open a provider's circuit",
  },
  LLMBATCH_BREAKER_OPEN_MS: {
    default: '5000',
    readBy: ['worker', 'dev'],
    description: 'how long an open circuit waits before its first probe, in ms (doubles on each failed probe)',
  },
  LLMBATCH_BREAKER_MAX_OPEN_MS: {
    default: '300000',
    readBy: ['worker', 'dev'],
    description: 'the cap on that wait, in ms',
  },
  LLMBATCH_SHUTDOWN_GRACE: {
    default: '30s',
    readBy: ['worker', 'dev'],
    description: 'how long a worker stopped by SIGTERM or Ctrl-C lets its sync calls in flight finish',
  },
  LLMBATCH_WORKFLOW_BUNDLE: {
    readBy: ['worker', 'dev'],
    description:
      'a prebuilt workflow bundle (`npm run build:workflows` writes dist/workflow-bundle.js); unset = bundle workflows/ at start-up',
  },
  LLMBATCH_LOG_LEVEL: {
    default: 'INFO',
    readBy: ['worker', 'dev'],
    description: "the Temporal runtime's log level: TRACE, DEBUG, INFO, WARN or ERROR (the demo: WARN when unset)",
  },
  LLMBATCH_ENCRYPTION_KEY: {
    readBy: ['CLI', 'worker', 'dev'],
    description:
      'turns on payload encryption (AES-256-GCM) in clients and workers: a 32-byte base64 key (`openssl rand -base64 32`), or `id:key,id:key` for rotation (the first, or LLMBATCH_ENCRYPTION_KEY_ID, encrypts; all decrypt); the same on every machine',
  },
  LLMBATCH_ENCRYPTION_KEY_FILE: {
    readBy: ['CLI', 'worker', 'dev'],
    description:
      'the keys from a JSON or YAML file instead, `{"keys": {"<id>": "<base64 key>", ...}, "encryptWith": "<id>"}` (encryptWith optional: default the first key); not both',
  },
  LLMBATCH_ENCRYPTION_KEY_ID: {
    readBy: ['CLI', 'worker', 'dev'],
    description: 'the id of the key that encrypts new payloads (default: the first); the others only decrypt',
  },
  LLMBATCH_CODEC_TOKEN: {
    readBy: ['CLI', 'dev'],
    description:
      'the bearer token the codec server requires (`Authorization: Bearer <token>`); unset: `codec-server` and `dev` make up a random one and print it',
  },
  LLMBATCH_CODEC_PORT: { default: '8888', readBy: ['CLI'], description: "the codec server's port (`codec-server`)" },
  LLMBATCH_CODEC_HOST: {
    default: '127.0.0.1',
    readBy: ['CLI'],
    description: 'address the codec server listens on (0.0.0.0 behind a TLS-terminating proxy or in a container)',
  },
  LLMBATCH_CODEC_UI_ORIGIN: {
    default: 'http://localhost:8233,http://127.0.0.1:8233',
    readBy: ['CLI'],
    description:
      "the Web UI origin(s), comma separated, allowed by the codec server's CORS; default: the dev server's UI at localhost and 127.0.0.1 (docker-compose: http://localhost:8080); `dev` allows its own UI",
  },
  TEMPORAL_CLI_PATH: {
    readBy: ['dev'],
    description: 'the `temporal` binary that runs the dev server; else PATH, else LLMBATCH_CACHE_DIR/bin',
  },
  FAKE_GCS_SERVER_PATH: {
    readBy: ['dev'],
    description:
      'the `fake-gcs-server` binary, the Cloud Storage emulator of the demo and tests (Vertex AI, gs://); else PATH, else LLMBATCH_CACHE_DIR/bin, else built with Go there',
  },
  TEMPORAL_TEST_SERVER_PATH: {
    readBy: ['dev'],
    description:
      'the time-skipping test server the workflow tests run on (an executable taking the port, as @temporalio/testing expects); else LLMBATCH_CACHE_DIR/temporal-test-server, else installed there with Maven (io.temporal:temporal-test-server, run by Java 17+)',
  },
  GOFAKES3_PATH: {
    readBy: ['dev'],
    description:
      'the `gofakes3` binary, the S3 emulator of the demo and tests (Bedrock, s3://); else PATH, else LLMBATCH_CACHE_DIR/bin, else built with Go there',
  },
  LLMBATCH_CACHE_DIR: {
    readBy: ['dev'],
    description:
      'where `npm run setup:temporal` builds the `temporal` binary (in bin/); unset = $XDG_CACHE_HOME/llmbatch',
  },
  XDG_CACHE_HOME: { default: '~/.cache', readBy: ['dev'], description: 'the user cache folder' },
  PATH: { readBy: ['dev'], description: 'where `temporal` and `go` are looked for' },
  CI: { readBy: ['CLI'], description: 'any value: no progress bar, even on a terminal' },
} as const satisfies Record<string, EnvVarSpec>;

export type EnvVarName = keyof typeof ENV_VARS;
export type Env = Readonly<Record<string, string | undefined>>;

export interface BreakerSettings {
  threshold: number;
  initialOpenMs: number;
  maxOpenMs: number;
}

export interface ProviderSettings {
  simulatorUrl?: string;
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  anthropicApiKey?: string;
  anthropicBaseUrl?: string;
  /** GEMINI_API_KEY, else GOOGLE_API_KEY. */
  geminiApiKey?: string;
  geminiBaseUrl?: string;
  /** Provider `vertex`: GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_LOCATION, LLMBATCH_VERTEX_BUCKET (a spec's `vertex` wins). */
  vertexProject?: string;
  vertexLocation?: string;
  vertexBucket?: string;
  vertexBaseUrl?: string;
  /** GOOGLE_APPLICATION_CREDENTIALS: the ADC file; unset = the ADC search. */
  googleCredentialsFile?: string;
  /** STORAGE_EMULATOR_HOST: Cloud Storage's endpoint (an emulator); unset = Google's. */
  storageEndpoint?: string;
  azureApiKey?: string;
  azureEndpoint?: string;
  azureApiVersion: string;
  /** Provider bedrock: what the AWS SDK does not read itself (region, credentials, endpoints it does). */
  bedrock: BedrockSettings;
  breaker: BreakerSettings;
}

/**
 * How provider bedrock's AWS clients are made. Unset fields are left to the AWS SDK's own default
 * chain (AWS_REGION, profiles, roles, AWS_ENDPOINT_URL_*); the embedded stack sets them all to
 * reach the simulator and the S3 emulator without touching the process environment.
 */
export interface BedrockSettings {
  /** S3 path-style addressing: S3-compatible servers need it. */
  forcePathStyle: boolean;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  bedrockEndpoint?: string;
  runtimeEndpoint?: string;
  s3Endpoint?: string;
}

/** The worker's Prometheus endpoint (workers/metrics-server.ts). */
export interface MetricsSettings {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

/** The worker's endpoint for OpenAI batch webhooks (workers/webhook-server.ts). */
export interface WebhookSettings {
  host: string;
  /** 0 picks a free port. */
  port: number;
  secret: string;
}

/** A key as configured: its id and its base64 text (decoded by workers/codec-keys.ts). */
export interface ConfiguredKey {
  id: string;
  base64: string;
}

/** Payload encryption (LLMBATCH_ENCRYPTION_KEY*); absent: payloads travel as JSON. */
export interface EncryptionSettings {
  /** From LLMBATCH_ENCRYPTION_KEY, validated. */
  keys?: ConfiguredKey[];
  /** LLMBATCH_ENCRYPTION_KEY_FILE, read and validated when the codec is built. */
  keyFile?: string;
  /** LLMBATCH_ENCRYPTION_KEY_ID. */
  encryptWith?: string;
}

/** The codec server (`codec-server`, and the one `dev` starts). */
export interface CodecServerSettings {
  token?: string;
  port: number;
  host: string;
  uiOrigins: string[];
}

export interface LlmbatchConfig {
  temporal: {
    /** For messages only: connections take their address from @temporalio/envconfig. */
    address: string;
    namespace: string;
    uiUrl?: string;
  };
  taskQueue: string;
  /** The task queue of the worker that sees the user's files (LLMBATCH_FILES_QUEUE); unset: any worker. */
  filesQueue?: string;
  /** LLMBATCH_FILES_WORKER_WAIT in ms. */
  filesWorkerWaitMs: number;
  /** DATABASE_URL, or else the embedded server's folder (relative to the working directory). */
  store: { databaseUrl?: string; dir: string };
  providers: ProviderSettings;
  shutdownGrace: string;
  /** Set when LLMBATCH_WEBHOOK_PORT is. */
  webhooks?: WebhookSettings;
  /** Set when LLMBATCH_METRICS_PORT is. */
  metrics?: MetricsSettings;
  logFormat: LogFormat;
  workflowBundle?: string;
  /** Set only when LLMBATCH_LOG_LEVEL is; the default (INFO) is applied by the logger's installer. */
  logLevel?: ConfigLogLevel;
  encryption?: EncryptionSettings;
  codecServer: CodecServerSettings;
  devStack: {
    temporalCliPath?: string;
    fakeGcsServerPath?: string;
    testServerPath?: string;
    gofakes3Path?: string;
    cacheDir?: string;
    xdgCacheHome?: string;
    searchPath: string;
  };
  ci: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
  }
}

const text = z.string();
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const url = z.string().regex(/^https?:\/\/[^\s/]+/, { message: 'expected an http(s) URL' });
/** gs://bucket or gs://bucket/prefix, as Cloud Storage names a place. */
export const GS_URI = /^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}(\/.*)?$/;
const gsUri = z.string().regex(GS_URI, { message: 'expected gs://bucket or gs://bucket/prefix' });
/** `host:port` or a URL, as @google-cloud/storage takes STORAGE_EMULATOR_HOST; always a URL here. */
const storageHost = z
  .string()
  .regex(/^(https?:\/\/)?[^\s/]+/, { message: 'expected host:port or an http(s) URL' })
  .transform((s) => (/^https?:\/\//.test(s) ? s : `http://${s}`).replace(/\/+$/, ''));
const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, { message: 'expected a postgres:// or postgresql:// URL' });
const positiveInt = z
  .string()
  .regex(/^\s*[1-9]\d*\s*$/, { message: 'expected a positive integer' })
  .transform((s) => Number(s));
const port = z
  .string()
  .regex(/^\s*\d{1,5}\s*$/, { message: 'expected a port number' })
  .transform((s) => Number(s))
  .refine((n) => n <= 65535, { message: 'expected a port number' });
const duration = z.string().refine(isDuration, { message: 'expected a duration such as 250ms, 30s or 5m' });
const durationMs = duration.transform(parseDuration);
const logFormat = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(LOG_FORMATS, { message: `expected one of ${LOG_FORMATS.join(', ')}` }));
const logLevel = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(', ')}` }));

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * What is wrong with a key, or undefined when it is 32 bytes of standard base64. Never quotes the
 * key: error messages end up in terminals and logs.
 */
export function keyProblem(id: string, base64: string): string | undefined {
  if (!KEY_ID.test(id)) return `key id "${id}" must be 1-64 of A-Z a-z 0-9 . _ -`;
  const text = base64.trim();
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return `key "${id}" is not base64`;
  // atob: pure (no Buffer), so this module stays free of Node.
  const bytes = atob(text).length;
  if (bytes !== 32) {
    return `key "${id}" is ${bytes} bytes, expected 32 (AES-256; make one with \`openssl rand -base64 32\`)`;
  }
  return undefined;
}

/** `key`, or `id:key[,id:key...]`, into keys, or the problems (none quotes a key). */
export function parseKeyList(text: string): { keys: ConfiguredKey[]; problems: string[] } {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const keys: ConfiguredKey[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const key: ConfiguredKey =
      colon < 0
        ? { id: 'default', base64: entry }
        : { id: entry.slice(0, colon).trim(), base64: entry.slice(colon + 1) };
    if (colon < 0 && entries.length > 1) problems.push('with several keys, give each as id:key');
    else if (keys.some((k) => k.id === key.id)) problems.push(`key id "${key.id}" appears twice`);
    const problem = keyProblem(key.id, key.base64);
    if (problem) problems.push(problem);
    keys.push({ id: key.id, base64: key.base64.trim() });
  }
  if (entries.length === 0) problems.push('no key given');
  return { keys, problems: [...new Set(problems)] };
}

/** `http(s)://host[:port]`, exactly as a browser sends it in `Origin` (no path, no trailing slash). */
const ORIGIN = /^https?:\/\/[^\s/?#]+$/;

/**
 * The validated configuration. Unset and empty variables take their defaults; every invalid one is
 * reported, each as `NAME: what was expected, got "value"`, in one ConfigError.
 */
export function loadConfig(env: Env): LlmbatchConfig {
  const problems: string[] = [];
  function read<T>(name: EnvVarName, schema: z.ZodType<T>): T | undefined;
  function read<T>(name: EnvVarName, schema: z.ZodType<T>, withDefault: true): T;
  function read<T>(name: EnvVarName, schema: z.ZodType<T>, _withDefault?: true): T | undefined {
    const raw = env[name];
    const spec: EnvVarSpec = ENV_VARS[name];
    const value = raw === undefined || raw === '' ? spec.default : raw;
    if (value === undefined) return undefined;
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    problems.push(`${name}: ${parsed.error.issues[0]?.message ?? 'invalid'}, got "${value}"`);
    return undefined;
  }
  const setOnly = (name: EnvVarName) => (env[name] ? env[name] : undefined);

  // An endpoint without its secret could only refuse every event (or, worse, trust them): an error.
  function readWebhooks(): WebhookSettings | undefined {
    const webhookPort = read('LLMBATCH_WEBHOOK_PORT', port);
    const host = read('LLMBATCH_WEBHOOK_HOST', text, true);
    const secret = read('OPENAI_WEBHOOK_SECRET', text);
    if (webhookPort === undefined) return undefined;
    if (secret === undefined) {
      problems.push(
        'OPENAI_WEBHOOK_SECRET: required when LLMBATCH_WEBHOOK_PORT is set (the endpoint verifies every event)',
      );
      return undefined;
    }
    return { host, port: webhookPort, secret };
  }

  function readMetrics(): MetricsSettings | undefined {
    const metricsPort = read('LLMBATCH_METRICS_PORT', port);
    const host = read('LLMBATCH_METRICS_HOST', text, true);
    return metricsPort === undefined ? undefined : { host, port: metricsPort };
  }

  function readEncryption(): EncryptionSettings | undefined {
    const list = setOnly('LLMBATCH_ENCRYPTION_KEY');
    const keyFile = setOnly('LLMBATCH_ENCRYPTION_KEY_FILE');
    const encryptWith = setOnly('LLMBATCH_ENCRYPTION_KEY_ID')?.trim();
    if (list === undefined && keyFile === undefined) {
      if (encryptWith) problems.push('LLMBATCH_ENCRYPTION_KEY_ID: set without LLMBATCH_ENCRYPTION_KEY or _FILE');
      return undefined;
    }
    if (list !== undefined && keyFile !== undefined) {
      problems.push(
        'LLMBATCH_ENCRYPTION_KEY_FILE: set LLMBATCH_ENCRYPTION_KEY or LLMBATCH_ENCRYPTION_KEY_FILE, not both',
      );
      return undefined;
    }
    if (keyFile !== undefined) return { keyFile, encryptWith };
    const parsed = parseKeyList(list ?? '');
    for (const problem of parsed.problems) problems.push(`LLMBATCH_ENCRYPTION_KEY: ${problem}`);
    if (encryptWith && !parsed.keys.some((k) => k.id === encryptWith)) {
      problems.push(
        `LLMBATCH_ENCRYPTION_KEY_ID: no key "${encryptWith}" in LLMBATCH_ENCRYPTION_KEY (ids: ${parsed.keys.map((k) => k.id).join(', ')})`,
      );
    }
    return parsed.problems.length > 0 ? undefined : { keys: parsed.keys, encryptWith };
  }

  function readOrigins(): string[] {
    const value = read('LLMBATCH_CODEC_UI_ORIGIN', text, true);
    const origins = value
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    const bad = origins.find((o) => !ORIGIN.test(o));
    if (bad !== undefined || origins.length === 0) {
      problems.push(
        `LLMBATCH_CODEC_UI_ORIGIN: expected origins such as http://localhost:8233 (scheme, host, port; no path), got "${bad ?? value}"`,
      );
    }
    return origins;
  }

  const config: LlmbatchConfig = {
    temporal: {
      address: read('TEMPORAL_ADDRESS', text, true),
      namespace: read('TEMPORAL_NAMESPACE', text, true),
      uiUrl: read('TEMPORAL_UI_URL', url),
    },
    taskQueue: read('LLMBATCH_TASK_QUEUE', text, true),
    filesQueue: read('LLMBATCH_FILES_QUEUE', text),
    filesWorkerWaitMs: read('LLMBATCH_FILES_WORKER_WAIT', durationMs, true),
    store: { databaseUrl: read('DATABASE_URL', postgresUrl), dir: read('LLMBATCH_STORE_DIR', text, true) },
    providers: {
      simulatorUrl: read('LLMBATCH_SIMULATOR_URL', url),
      openaiApiKey: read('OPENAI_API_KEY', text),
      openaiBaseUrl: read('OPENAI_BASE_URL', url),
      anthropicApiKey: read('ANTHROPIC_API_KEY', text),
      anthropicBaseUrl: read('ANTHROPIC_BASE_URL', url),
      geminiApiKey: read('GEMINI_API_KEY', text) ?? read('GOOGLE_API_KEY', text),
      geminiBaseUrl: read('GEMINI_BASE_URL', url),
      vertexProject: read('GOOGLE_CLOUD_PROJECT', text),
      vertexLocation: read('GOOGLE_CLOUD_LOCATION', text),
      vertexBucket: read('LLMBATCH_VERTEX_BUCKET', gsUri),
      vertexBaseUrl: read('VERTEX_BASE_URL', url),
      googleCredentialsFile: read('GOOGLE_APPLICATION_CREDENTIALS', text),
      storageEndpoint: read('STORAGE_EMULATOR_HOST', storageHost),
      azureApiKey: read('AZURE_OPENAI_API_KEY', text),
      azureEndpoint: read('AZURE_OPENAI_ENDPOINT', url),
      azureApiVersion: read('OPENAI_API_VERSION', text, true),
      bedrock: {
        forcePathStyle:
          read('LLMBATCH_S3_FORCE_PATH_STYLE', bool) ??
          Boolean(setOnly('AWS_ENDPOINT_URL_S3') ?? setOnly('AWS_ENDPOINT_URL')),
      },
      breaker: {
        threshold: read('LLMBATCH_BREAKER_THRESHOLD', positiveInt, true),
        initialOpenMs: read('LLMBATCH_BREAKER_OPEN_MS', positiveInt, true),
        maxOpenMs: read('LLMBATCH_BREAKER_MAX_OPEN_MS', positiveInt, true),
      },
    },
    shutdownGrace: read('LLMBATCH_SHUTDOWN_GRACE', duration, true),
    webhooks: readWebhooks(),
    metrics: readMetrics(),
    logFormat: read('LLMBATCH_LOG_FORMAT', logFormat, true),
    workflowBundle: read('LLMBATCH_WORKFLOW_BUNDLE', text),
    logLevel: setOnly('LLMBATCH_LOG_LEVEL') === undefined ? undefined : read('LLMBATCH_LOG_LEVEL', logLevel),
    encryption: readEncryption(),
    codecServer: {
      token: setOnly('LLMBATCH_CODEC_TOKEN'),
      port: read('LLMBATCH_CODEC_PORT', port, true),
      host: read('LLMBATCH_CODEC_HOST', text, true),
      uiOrigins: readOrigins(),
    },
    devStack: {
      temporalCliPath: read('TEMPORAL_CLI_PATH', text),
      fakeGcsServerPath: read('FAKE_GCS_SERVER_PATH', text),
      testServerPath: read('TEMPORAL_TEST_SERVER_PATH', text),
      gofakes3Path: read('GOFAKES3_PATH', text),
      cacheDir: read('LLMBATCH_CACHE_DIR', text),
      // The default (~/.cache) needs the home folder, which the dev stack resolves.
      xdgCacheHome: setOnly('XDG_CACHE_HOME'),
      searchPath: setOnly('PATH') ?? '',
    },
    ci: Boolean(setOnly('CI')),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The breaker defaults, from the table above. */
export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = loadConfig({}).providers.breaker;
