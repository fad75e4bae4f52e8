// Reads the environment variables of common/env-vars.ts into settings (common/config-types.ts) and
// validates them. Pure: callers pass `process.env`, so this module stays free of Node and workflows
// may share its types.
import { z } from 'zod';
import { isDuration, parseDuration } from './duration';
import { ENV_VARS, LOG_FORMATS, LOG_LEVELS, type Env, type EnvVarName, type EnvVarSpec } from './env-vars';
import type {
  BreakerSettings,
  ConfiguredKey,
  EncryptionSettings,
  LlmbatchConfig,
  MetricsSettings,
  WebhookSettings,
} from './config-types';

export * from './env-vars';
export * from './config-types';

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
  .transform((s) => (/^https?:\/\//.test(s) ? s : `http://${s}`).replace(/\/+$/, '').replace(/\/storage\/v1$/, ''));
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
    objectStorage: {
      s3Endpoint: read('LLMBATCH_S3_ENDPOINT', url),
      s3ForcePathStyle:
        read('LLMBATCH_S3_FORCE_PATH_STYLE', bool) ??
        Boolean(setOnly('LLMBATCH_S3_ENDPOINT') ?? setOnly('AWS_ENDPOINT_URL_S3') ?? setOnly('AWS_ENDPOINT_URL')),
      gcsEndpoint: read('STORAGE_EMULATOR_HOST', storageHost),
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
