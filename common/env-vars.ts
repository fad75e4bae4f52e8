// Every environment variable llmbatch reads, in one table: its default, who reads it and what it
// does (docs/configuration.md's table is written from these descriptions). common/config.ts reads
// and validates them. Temporal's own connection variables (TEMPORAL_ADDRESS, profiles, TLS, API key)
// are applied by @temporalio/envconfig in workers/settings.ts; they are listed so they are documented.
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
    readBy: ['CLI', 'worker', 'dev'],
    description:
      'a Cloud Storage emulator (http://host:port) for provider `vertex` and gs:// inputs and output.dir, as @google-cloud/storage reads it',
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
    readBy: ['CLI', 'worker', 'dev'],
    description:
      '`true` or `false`: S3 path-style addressing (`http://host/bucket/key`), for provider `bedrock` and s3:// inputs and outputs; unset = path-style exactly when LLMBATCH_S3_ENDPOINT, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL is set',
  },
  LLMBATCH_S3_ENDPOINT: {
    readBy: ['CLI', 'worker', 'dev'],
    description:
      "an S3-compatible server (http(s)://host:port) for s3:// inputs and output.dir; unset = the AWS SDK's own (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS S3 of the region)",
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
