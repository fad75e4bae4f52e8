// The settings loadConfig (common/config.ts) makes of the environment, by concern.
import type { ConfigLogLevel, LogFormat } from './env-vars';

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

/**
 * Endpoints for s3:// and gs:// data. Credentials and regions are the SDKs' own chains (AWS
 * env/profile/roles, Google ADC): only what an emulator or an S3-compatible server needs is here.
 */
export interface ObjectStorageSettings {
  /** LLMBATCH_S3_ENDPOINT; unset = the AWS SDK's own endpoint resolution. */
  s3Endpoint?: string;
  s3ForcePathStyle: boolean;
  /** STORAGE_EMULATOR_HOST, as a URL; unset = Google's Cloud Storage. */
  gcsEndpoint?: string;
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
  /** Where s3:// and gs:// inputs and output.dir are read and written (activities/object-store). */
  objectStorage: ObjectStorageSettings;
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
