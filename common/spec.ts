// The run spec: the YAML a user writes (RunSpecSchema) and the resolved form a run carries
// (ResolvedSpec: absolute paths, the output schema loaded, durations in milliseconds).
import { z } from 'zod';
import { isDuration } from './duration';
import { INPUT_FORMATS, type InputFormat } from './input-format';
import type { PriceTable } from './pricing';
import type { FieldMatch, RouteRule } from './route-types';

/** A PostgreSQL table, maybe schema-qualified, as plain identifiers (no quoting needed or allowed). */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

const duration = z.string().refine(isDuration, { message: 'expected a duration such as 250ms, 60s, 5m or 20h' });
const usd = z.number().positive();

export const PROVIDERS = ['openai', 'azure-openai', 'anthropic', 'gemini', 'vertex', 'bedrock', 'simulator'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** Claude models speak the Anthropic wire: openai and azure-openai cannot run them, the simulator routes them so. */
export function isAnthropicModel(model: string): boolean {
  return model.startsWith('claude');
}

/** Gemini models (`gemini-2.5-flash`, `models/gemini-2.5-pro`) speak the Gemini API's wire. */
export function isGeminiModel(model: string): boolean {
  return model.replace(/^models\//, '').startsWith('gemini');
}

/**
 * Bedrock model ids (`anthropic.claude-haiku-4-5-20251001-v1:0`, `amazon.nova-lite-v1:0`), also as
 * cross-region inference profiles (`us.anthropic...`, `global.anthropic...`): the vendor before a dot.
 */
export function isBedrockModel(model: string): boolean {
  return /^([a-z]{2,6}(-gov)?\.)?(anthropic|amazon)\./.test(model);
}

/** The wire a model speaks: which family of providers can run it (the simulator speaks them all). */
export type ModelWire = 'openai' | 'anthropic' | 'google' | 'bedrock';

export function wireOfModel(model: string): ModelWire {
  if (isBedrockModel(model)) return 'bedrock';
  return isAnthropicModel(model) ? 'anthropic' : isGeminiModel(model) ? 'google' : 'openai';
}

/** The wire a provider speaks; undefined for the simulator, which speaks the model's. */
export function wireOfProvider(provider: ProviderName): ModelWire | undefined {
  switch (provider) {
    case 'anthropic':
      return 'anthropic';
    case 'gemini':
    case 'vertex':
      return 'google';
    case 'bedrock':
      return 'bedrock';
    case 'simulator':
      return undefined;
    default:
      return 'openai';
  }
}

/**
 * Whether a provider can run a model: its wire is the model's. The simulator runs every model but
 * Bedrock's, which need the job's S3 bucket: provider bedrock reaches the simulator by its endpoints.
 */
export function providerRunsModel(provider: ProviderName, model: string): boolean {
  const wire = wireOfProvider(provider);
  return wire === undefined ? wireOfModel(model) !== 'bedrock' : wire === wireOfModel(model);
}
export const MODES = ['batch', 'sync', 'hybrid'] as const;
export const ENDPOINTS = ['chat', 'embeddings'] as const;
export type RunMode = (typeof MODES)[number];

/** `{ field: priority, equals: high }`: an item whose own field holds the value (CSV text "5" matches 5). */
const FieldMatchSchema = z.strictObject({
  field: z.string().min(1),
  equals: z.union([z.string(), z.number(), z.boolean()]),
});
const RouteRuleSchema = z.strictObject({
  when: z.union([FieldMatchSchema, z.strictObject({ inputTokensOver: z.number().int().min(0) })]),
  model: z.string().min(1),
});

export const RunSpecSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/,
      'use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
    ),
  /** A file, a glob of shards (`data/part-*.parquet`), or an s3:// / gs:// URL of either. */
  input: z.string().min(1),
  /** In place of the format the input's extension implies (.jsonl, .jsonl.gz, .csv, .parquet). */
  inputFormat: z.enum(INPUT_FORMATS).optional(),
  id: z.string().min(1).optional(),
  /** Required with endpoint chat (the default); refused with endpoint embeddings, which embeds `embed`. */
  template: z.strictObject({ system: z.string().optional(), user: z.string().min(1) }).optional(),
  endpoint: z.enum(ENDPOINTS).optional(),
  /** endpoint embeddings: the item field whose text is embedded, as it is. */
  embed: z.string().min(1).optional(),
  /** endpoint embeddings: shortens the vectors (text-embedding-3 models); the model's length when absent. */
  dimensions: z.number().int().positive().max(3072).optional(),
  output: z
    .strictObject({
      schema: z.string().min(1).optional(),
      dir: z.string().min(1).optional(),
      /** results.jsonl (default) or results.parquet; dead letters and rejections stay JSONL. */
      format: z.enum(['jsonl', 'parquet']).optional(),
      /**
       * The answered results are also upserted into this PostgreSQL table (created when missing). The
       * URL is read from the environment variable `urlEnv` on the worker, never written into the spec
       * or the run's history: it holds a password.
       */
      postgres: z
        .strictObject({
          urlEnv: z
            .string()
            .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable (letters, digits, "_")'),
          table: z.string().regex(TABLE_NAME, 'a table name, or schema.table (letters, digits, "_"; at most 63 each)'),
        })
        .optional(),
    })
    .optional(),
  provider: z.enum(PROVIDERS),
  model: z.string().min(1),
  maxTokens: z.number().int().positive().max(200_000).optional(),
  mode: z.enum(MODES).optional(),
  chunkSize: z.number().int().positive().max(100_000).optional(),
  budget: z
    .strictObject({
      maxUsd: usd.optional(),
      dailyUsd: usd.optional(),
      monthlyUsd: usd.optional(),
      yellowAt: z.number().gt(0).lt(1).optional(),
    })
    .refine((b) => b.maxUsd !== undefined || b.dailyUsd !== undefined || b.monthlyUsd !== undefined, {
      message: 'name at least one cap: maxUsd, dailyUsd or monthlyUsd',
    })
    .optional(),
  /** A YAML or JSON file of prices per 1M tokens (`model: { sync: [in, out], batch: [in, out] }`). */
  pricing: z.string().min(1).optional(),
  cache: z.strictObject({ enabled: z.boolean().optional(), maxAge: duration.optional() }).optional(),
  routing: z
    .strictObject({ rules: z.array(RouteRuleSchema).optional(), downgradeTo: z.string().min(1).optional() })
    .optional(),
  /** Tried in order when the provider is down or out of capacity (retry.failoverAfter). */
  failover: z
    .array(
      z.strictObject({
        provider: z.enum(PROVIDERS),
        model: z.string().min(1),
        mode: z.enum(['batch', 'sync']).optional(),
      }),
    )
    .max(5)
    .optional(),
  /** With mode hybrid: the items that go through the sync lane at once (the rest through batch). */
  hybrid: z.strictObject({ syncWhen: FieldMatchSchema }).optional(),
  /**
   * vertex: where its jobs run and its files go; each field wins over the worker's environment
   * (GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_LOCATION, LLMBATCH_VERTEX_BUCKET). Credentials never come
   * from a spec: Application Default Credentials on the worker.
   */
  vertex: z
    .strictObject({
      project: z
        .string()
        .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a Google Cloud project id')
        .optional(),
      location: z
        .string()
        .regex(/^[a-z]+(-[a-z0-9]+)*$/, 'a Vertex AI location such as us-central1')
        .optional(),
      bucket: z
        .string()
        .regex(/^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}(\/.*)?$/, 'expected gs://bucket or gs://bucket/prefix')
        .optional(),
    })
    .optional(),
  /** azure-openai: the model a deployment runs (the spec's model is the deployment name), for pricing. */
  deploymentModel: z.string().min(1).optional(),
  /** bedrock: where batch jobs read and write their files, and the service role they run as. */
  bedrock: z
    .strictObject({
      bucket: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3-63 lower-case letters, digits, "." or "-")'),
      prefix: z.string().optional(),
      roleArn: z
        .string()
        .regex(/^arn:aws(-[^:]+)?:iam::\d{12}:role\/.+$/, 'an IAM role ARN (arn:aws:iam::123456789012:role/NAME)'),
    })
    .optional(),
  poll: z
    .strictObject({
      initial: duration.optional(),
      max: duration.optional(),
      alertAfter: duration.optional(),
      deadline: duration.optional(),
      startDeadline: duration.optional(),
      cancelWait: duration.optional(),
    })
    .optional(),
  retry: z
    .strictObject({
      strike2Delay: duration.optional(),
      strike3Delay: duration.optional(),
      syncBackoff: duration.optional(),
      authProbe: duration.optional(),
      authTimeout: duration.optional(),
      deadLetterAlertRate: z.number().min(0).max(1).optional(),
      failedBatchResubmits: z.number().int().min(0).max(10).optional(),
      failoverAfter: duration.optional(),
      /** A run whose outputs could not be written (phase finalize-failed) tries again after this, doubling to 30 min. */
      finalizeBackoff: duration.optional(),
      /** A provider call (upload + create, download, cancel) that failed retryably is tried again after this... */
      callBackoff: duration.optional(),
      /** ...doubling up to this. */
      callBackoffMax: duration.optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      concurrentBatches: z.number().int().positive().max(500).optional(),
      enqueuedTokens: z.number().int().min(0).optional(),
      syncConcurrency: z.number().int().positive().max(1000).optional(),
      syncRpm: z.number().int().min(0).optional(),
      syncTpm: z.number().int().min(0).optional(),
      maxItemBytes: z.number().int().positive().optional(),
      /** Fewest requests a provider batch may hold (Bedrock refuses jobs under 100): fewer go through sync calls. */
      batchMinRecords: z.number().int().min(0).optional(),
    })
    .optional(),
  alert: z.strictObject({ webhook: z.url().optional() }).optional(),
});
export type RunSpec = z.infer<typeof RunSpecSchema>;

export type JsonSchema = Record<string, unknown>;

/** What a run carries in its workflow input: references and settings, never item data. */
export interface ResolvedSpec {
  name: string;
  specPath: string;
  inputPath: string;
  inputFormat: InputFormat;
  idField?: string;
  /** Absent in an embeddings run (then `embed` is set). */
  template?: { system?: string; user: string };
  /** `endpoint: embeddings`: each item's `field` is embedded (maxTokens is then 0: no output). */
  embed?: EmbedSpec;
  outputSchema?: JsonSchema;
  outputDir: string;
  /** output.format: parquet writes results.parquet in place of results.jsonl. */
  outputFormat?: 'jsonl' | 'parquet';
  /** output.postgres: where the answered results are also upserted (the URL stays in the worker's environment). */
  outputPostgres?: PostgresSinkSpec;
  provider: ProviderName;
  model: string;
  maxTokens: number;
  mode: RunMode;
  chunkSize: number;
  budget?: BudgetSpec;
  /** Provider vertex's project, location and bucket as the spec names them (the environment fills the rest). */
  vertex?: VertexSettings;
  /** The model prices are looked up by (azure-openai: `deploymentModel`); `model` when absent. */
  priceModel?: string;
  /** The spec's `pricing` file, laid over the built-in table. */
  prices?: PriceTable;
  /** Answers reused across runs by dedup key (results of earlier runs in the same store). */
  cache: { enabled: boolean; maxAgeMs: number };
  /** The model the rest of a run goes to once its spend crosses budget.yellowAt. */
  downgradeTo?: string;
  /** routing.rules: first match wins, else `model`. */
  routes?: RouteRule[];
  /** mode hybrid: the items that go through the sync lane. */
  hybrid?: { syncWhen: FieldMatch };
  /** Where a chunk goes when its provider is down or out of capacity, in order. */
  failover?: FailoverRoute[];
  /** Provider bedrock: the S3 bucket and prefix of its jobs' files and the role the jobs run as. */
  bedrock?: BedrockSpec;
  poll: {
    initialMs: number;
    maxMs: number;
    alertAfterMs: number;
    /** From a batch's submission (workflow time): past it the batch is cancelled, salvaged, the rest retried. */
    deadlineMs: number;
    /** The bound on waiting for a batch we cancelled to end. */
    cancelWaitMs: number;
    /**
     * From a batch's submission (workflow time): a batch the provider has not started by then
     * (still validating, pending, queued) is cancelled and its items go on. Not below deadlineMs:
     * equal to it, the watchdog is off.
     */
    startDeadlineMs: number;
  };
  retry: {
    strike2DelayMs: number;
    strike3DelayMs: number;
    syncBackoffMs: number;
    deadLetterAlertRate: number;
    authProbeMs: number;
    authTimeoutMs: number;
    failedBatchResubmits: number;
    failoverAfterMs: number;
    /** Absent in runs started before finalize-failed existed (then 60 s). */
    finalizeBackoffMs?: number;
    callBackoffMs: number;
    callBackoffMaxMs: number;
  };
  limits: {
    concurrentBatches: number;
    enqueuedTokens: number;
    syncConcurrency: number;
    syncRpm: number;
    syncTpm: number;
    maxItemBytes: number;
    /**
     * A batch strike with fewer pending requests goes through the sync lane instead (Bedrock's record
     * minimum). Absent in runs started before it existed: no minimum.
     */
    batchMinRecords?: number;
  };
  alert?: { webhook?: string };
}

export interface PostgresSinkSpec {
  /** The environment variable on the files worker that holds the server's URL. */
  urlEnv: string;
  /** `table` or `schema.table`, folded to lower case as PostgreSQL folds an unquoted name. */
  table: string;
}

export interface VertexSettings {
  project?: string;
  location?: string;
  /** gs://bucket or gs://bucket/prefix. */
  bucket?: string;
}

export interface BedrockSpec {
  bucket: string;
  /** Key prefix of the jobs' files, without a trailing slash; '' for the bucket's root. */
  prefix: string;
  roleArn: string;
}

/** A failover entry: the provider and model (and lane) a chunk moves to. */
export interface FailoverRoute {
  provider: ProviderName;
  model: string;
  mode?: 'batch' | 'sync';
}

export interface EmbedSpec {
  field: string;
  dimensions?: number;
}

/** The caps a run spends under (USD); daily and monthly count every run in the store (UTC). */
export interface BudgetSpec {
  maxUsd?: number;
  dailyUsd?: number;
  monthlyUsd?: number;
  /** Share of a cap from which the rest of the run goes to `downgradeTo` (yellow). */
  yellowAt: number;
}

/** One line per zod issue, named by its path in the spec: `poll.initial: expected a duration ...`. */
export function describeSpecIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(top level)';
    return `${path}: ${issue.message}`;
  });
}

/** The model a run's costs are priced as: an Azure deployment's `deploymentModel`, else its model. */
export function priceModelOf(spec: Pick<ResolvedSpec, 'model' | 'priceModel'>): string {
  return spec.priceModel ?? spec.model;
}
