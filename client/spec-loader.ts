// Reads a run spec, validates it with zod and then against the world (files exist, the output
// schema compiles, provider and model fit), and lists EVERY problem by path before anything starts.
import { accessSync, constants, existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Ajv from 'ajv';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { readCsvHeader } from '../activities/inputs/dataset';
import { checkEndpoint } from './embed-spec-checks';
import { checkJsonlTemplateFields } from './template-field-check';
import {
  BEDROCK_MIN_RECORDS,
  RunSpecSchema,
  SEED_DEFAULTS,
  describeSpecIssues,
  formatDuration,
  providerRunsModel,
  wireOfModel,
  priceOf,
  parseDuration,
  templateFields,
  templateProblems,
  type JsonSchema,
  type PriceTable,
  type ResolvedSpec,
  type RunSpec,
} from '../common';
import { hasGlob, inputFormatOf, isObjectUrl } from '../common/input-format';
import { objectUrlProblem } from '../common/object-url';

export class SpecError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      problems.length === 1
        ? `${file}: ${problems[0]}`
        : `${file} has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

function loadOutputSchema(path: string, problems: string[]): JsonSchema | undefined {
  if (!existsSync(path)) {
    problems.push(`output.schema: file not found: ${path}`);
    return undefined;
  }
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`output.schema: ${path} is not valid JSON: ${(error as Error).message}`);
    return undefined;
  }
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) {
    problems.push(`output.schema: ${path} must hold a JSON Schema object`);
    return undefined;
  }
  try {
    new Ajv({ strict: false }).compile(schema as JsonSchema);
  } catch (error) {
    problems.push(`output.schema: ${path} is not a valid JSON Schema: ${(error as Error).message}`);
    return undefined;
  }
  return schema as JsonSchema;
}

function checkTemplates(template: Partial<RunSpec['template']> | undefined, problems: string[]) {
  for (const part of ['system', 'user'] as const) {
    const text = template?.[part];
    if (typeof text === 'string') problems.push(...templateProblems(text).map((p) => `template.${part}: ${p}`));
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The output folder must be one this user can create or write: refused now, not after paying for batches. */
function checkOutputDir(dir: string, problems: string[]) {
  // A bucket is checked by writing a probe object (client/input-check.ts), not on this disk.
  if (isObjectUrl(dir)) {
    const problem = objectUrlProblem(dir);
    if (problem) problems.push(`output.dir: ${dir}: ${problem}`);
    return;
  }
  let path = dir;
  let info = statOrUndefined(path);
  while (!info && dirname(path) !== path) {
    path = dirname(path);
    info = statOrUndefined(path);
  }
  if (!info) return;
  if (!info.isDirectory()) {
    problems.push(`output.dir: ${path} is a file, not a folder${path === dir ? '' : ` (${dir} would be inside it)`}`);
    return;
  }
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
  } catch {
    problems.push(
      path === dir ? `output.dir: ${dir} is not writable` : `output.dir: cannot create ${dir}: ${path} is not writable`,
    );
  }
}

const listColumns = (columns: string[]) =>
  columns.length > 12 ? `${columns.slice(0, 12).join(', ')}, ...` : columns.join(', ');

/** A CSV's header must be readable, and hold the id column and every column the template names. */
function checkCsvHeader(spec: RunSpec, inputPath: string, problems: string[]) {
  const header = readCsvHeader(inputPath);
  if ('problem' in header) {
    problems.push(`input: ${inputPath}: ${header.problem}`);
    return;
  }
  checkColumns(spec, header.columns, inputPath, problems);
}

/** The fields a spec reads from each item: its id, the template's placeholders, the embedded field. */
export type FieldsUsed = Pick<RunSpec, 'id' | 'template' | 'embed'>;

/** A table's columns (a CSV header, a Parquet schema) must hold every field the spec reads. */
export function checkColumns(spec: FieldsUsed, allColumns: string[], inputPath: string, problems: string[]) {
  const columns = allColumns.filter((c) => c !== '');
  if (spec.id && !columns.includes(spec.id)) {
    problems.push(`id: "${spec.id}" is not a column of ${inputPath} (columns: ${listColumns(columns)})`);
  }
  for (const part of ['system', 'user'] as const) {
    for (const field of new Set(templateFields(spec.template?.[part] ?? ''))) {
      // A placeholder refused by checkTemplates is reported there, once.
      if (!columns.includes(field) && templateProblems(`{{${field}}}`).length === 0) {
        problems.push(
          `template.${part}: "{{${field}}}" names no column of ${inputPath} (columns: ${listColumns(columns)})`,
        );
      }
    }
  }
  if (spec.embed && !columns.includes(spec.embed)) {
    problems.push(`embed: "${spec.embed}" is not a column of ${inputPath} (columns: ${listColumns(columns)})`);
  }
}

/**
 * A routed model runs on the spec's provider (Claude models only on the Anthropic wire) and has a
 * price. Azure routes by deployment, and a deployment's price is the spec's one deploymentModel, so
 * routing there would price every model as that one: refused.
 */
function checkRoutedModel(
  spec: RunSpec,
  path: string,
  model: string,
  prices: PriceTable | undefined,
  problems: string[],
) {
  if (spec.provider === 'azure-openai') {
    problems.push(`${path}: routing is not available for azure-openai (one deployment, one deploymentModel a run)`);
    return;
  }
  checkSameWire(spec, path, model, problems);
  if (!priceOf(model, prices)) {
    problems.push(
      `${path}: "${model}" has no price in common/pricing.json${spec.pricing ? ` or ${spec.pricing}` : ''}`,
    );
  }
}

/** A model a run switches to (a route, the downgrade) speaks the wire of the spec's own model. */
function checkSameWire(spec: RunSpec, path: string, model: string, problems: string[]) {
  if (wireOfModel(model) !== wireOfModel(spec.model)) {
    problems.push(`${path}: "${model}" cannot run on provider ${spec.provider} with model ${spec.model}`);
  }
}

/**
 * A failover entry names a model its provider can run (Claude models on anthropic, Gemini models on
 * gemini, the others on openai; every one on the simulator) and that has a price. Azure is left out: its model is a
 * deployment priced as the spec's one deploymentModel.
 */
function checkFailoverRoute(
  spec: RunSpec,
  i: number,
  route: NonNullable<RunSpec['failover']>[number],
  prices: PriceTable | undefined,
  problems: string[],
) {
  const path = `failover.${i}`;
  if (route.provider === 'azure-openai') {
    problems.push(
      `${path}.provider: azure-openai cannot be a failover entry (its deployments are priced as the spec's deploymentModel)`,
    );
  }
  if (!providerRunsModel(route.provider, route.model)) {
    problems.push(`${path}.model: "${route.model}" cannot run on provider ${route.provider}`);
  }
  if (!priceOf(route.model, prices)) {
    problems.push(
      `${path}.model: "${route.model}" has no price in common/pricing.json${spec.pricing ? ` or ${spec.pricing}` : ''}`,
    );
  }
  if (
    route.provider === spec.provider &&
    route.model === spec.model &&
    (route.mode ?? 'batch') === (spec.mode ?? 'batch')
  ) {
    problems.push(`${path}: the spec's own provider, model and mode: a failover must go somewhere else`);
  }
}

/** The downgrade model must run on the same provider and have a price, like the spec's own model. */
function checkDowngrade(spec: RunSpec, model: string, prices: PriceTable | undefined, problems: string[]) {
  checkSameWire(spec, 'routing.downgradeTo', model, problems);
  if (!priceOf(model, prices)) {
    problems.push(
      `routing.downgradeTo: "${model}" has no price, so the downgrade's spend could not be held to the budget`,
    );
  }
}

const PriceEntry = z.strictObject({
  sync: z.tuple([z.number().min(0), z.number().min(0)]),
  batch: z.tuple([z.number().min(0), z.number().min(0)]),
  /** Prompt-cache writes and reads as multiples of the input price (Anthropic: 1.25 and 0.1). */
  promptCache: z.strictObject({ write: z.number().min(0), read: z.number().min(0) }).optional(),
  /** The dearer tier of a request whose prompt is over `over` tokens (Gemini 2.5 Pro, Sonnet 4: 200K). */
  longContext: z
    .strictObject({
      over: z.number().int().positive(),
      sync: z.tuple([z.number().min(0), z.number().min(0)]),
      batch: z.tuple([z.number().min(0), z.number().min(0)]),
    })
    .optional(),
});

/** The spec's `pricing` file: `model: { sync, batch, promptCache?, longContext? }`, USD per 1M tokens. */
function loadPricing(path: string, problems: string[]): PriceTable | undefined {
  if (!existsSync(path)) {
    problems.push(`pricing: file not found: ${path}`);
    return undefined;
  }
  const document = parseDocument(readFileSync(path, 'utf8'));
  if (document.errors.length > 0) {
    problems.push(`pricing: ${path}: ${document.errors[0].message.split('\n')[0]}`);
    return undefined;
  }
  const parsed = z.record(z.string().min(1), PriceEntry).safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    problems.push(...describeSpecIssues(parsed.error).map((p) => `pricing: ${path}: ${p}`));
    return undefined;
  }
  return parsed.data;
}

/** One local file; globs, object storage and Parquet footers are checked by client/input-check.ts. */
function checkLocalInput(spec: RunSpec, baseDir: string, problems: string[]) {
  const inputPath = inputPathOf(baseDir, spec.input);
  const urlProblem = isObjectUrl(inputPath) ? objectUrlProblem(inputPath) : undefined;
  if (urlProblem) problems.push(`input: ${inputPath}: ${urlProblem}`);
  if (hasGlob(inputPath) || isObjectUrl(inputPath)) return;
  if (!existsSync(inputPath)) problems.push(`input: file not found: ${inputPath}`);
  else if (!statSync(inputPath).isFile()) problems.push(`input: not a file: ${inputPath}`);
  else if (statSync(inputPath).size === 0) problems.push(`input: ${inputPath} is empty: there is nothing to run`);
  else if ((spec.inputFormat ?? inputFormatOf(inputPath)) === 'csv') checkCsvHeader(spec, inputPath, problems);
  else if ((spec.inputFormat ?? inputFormatOf(inputPath)) === 'jsonl')
    checkJsonlTemplateFields(spec, inputPath, problems);
}

function checkWorld(spec: RunSpec, baseDir: string, prices: PriceTable | undefined, problems: string[]) {
  checkLocalInput(spec, baseDir, problems);
  if (spec.output?.format === 'parquet' && spec.endpoint === 'embeddings')
    problems.push('output.format: parquet holds chat answers; an embeddings run writes results.jsonl');
  checkEndpoint(spec, problems);
  const wire = wireOfModel(spec.model);
  if ((spec.provider === 'openai' || spec.provider === 'azure-openai') && wire !== 'openai') {
    problems.push(
      `model: "${spec.model}" is ${wire === 'anthropic' ? 'an Anthropic' : 'a Gemini'} model; provider ${spec.provider} cannot run it`,
    );
  }
  if (spec.provider === 'anthropic' && wire !== 'anthropic') {
    problems.push(`model: "${spec.model}" is not an Anthropic model`);
  }
  if ((spec.provider === 'gemini' || spec.provider === 'vertex') && wire !== 'google') {
    problems.push(`model: "${spec.model}" is not a Gemini model (e.g. gemini-2.5-flash)`);
  }
  if (spec.vertex && spec.provider !== 'vertex' && !spec.failover?.some((f) => f.provider === 'vertex')) {
    problems.push('vertex: only for provider vertex (as the provider or a failover entry)');
  }
  checkBedrock(spec, wire, problems);
  // A spec field the code does not honour is refused until it works.
  spec.routing?.rules?.forEach((rule, i) =>
    checkRoutedModel(spec, `routing.rules.${i}.model`, rule.model, prices, problems),
  );
  spec.failover?.forEach((route, i) => checkFailoverRoute(spec, i, route, prices, problems));
  if (spec.mode === 'hybrid' && !spec.hybrid) {
    problems.push('hybrid: mode hybrid needs hybrid.syncWhen (which items go through the sync lane)');
  }
  if (spec.hybrid && spec.mode !== 'hybrid') {
    problems.push(`hybrid: only used with mode hybrid (the mode is ${spec.mode ?? 'batch'})`);
  }
  if (spec.routing?.downgradeTo) checkDowngrade(spec, spec.routing.downgradeTo, prices, problems);
  if (spec.routing?.downgradeTo && !spec.budget) {
    problems.push('routing.downgradeTo: only used with a budget (the rest of a run goes there from budget.yellowAt)');
  }
  if (spec.deploymentModel && spec.provider !== 'azure-openai') {
    problems.push(`deploymentModel: only for provider azure-openai (the model a deployment runs)`);
  }
  const priced = spec.deploymentModel ?? spec.model;
  if (spec.model && !priceOf(priced, prices)) {
    problems.push(
      spec.provider === 'azure-openai' && !spec.deploymentModel
        ? `model: "${spec.model}" (an Azure deployment) has no price; name the model it runs with deploymentModel (e.g. gpt-4.1-mini)`
        : `${spec.deploymentModel ? 'deploymentModel' : 'model'}: "${priced}" has no price in common/pricing.json${spec.pricing ? ` or ${spec.pricing}` : ''}, so its cost could not be reported; use a priced model or add its prices to a \`pricing\` file`,
    );
  }
  if (spec.poll?.initial && spec.poll.max && parseDuration(spec.poll.initial) > parseDuration(spec.poll.max)) {
    problems.push('poll: initial must not exceed max');
  }
  checkDeadline(spec.poll, problems);
}

/**
 * Provider bedrock needs its S3 bucket and role; the section means nothing to another provider, and
 * a Bedrock model runs on provider bedrock only (the simulator is reached through its endpoints).
 */
function checkBedrock(spec: RunSpec, wire: string, problems: string[]): void {
  const failsOverToBedrock = spec.failover?.some((f) => f.provider === 'bedrock') ?? false;
  if (spec.provider === 'bedrock') {
    if (wire !== 'bedrock')
      problems.push(
        `model: "${spec.model}" is not a Bedrock model id (e.g. anthropic.claude-haiku-4-5-20251001-v1:0, amazon.nova-lite-v1:0)`,
      );
    if (spec.endpoint === 'embeddings')
      problems.push('endpoint: embeddings batches are not supported on provider bedrock yet');
  } else if (wire === 'bedrock') {
    problems.push(`model: "${spec.model}" is a Bedrock model; only provider bedrock runs it`);
  }
  if ((spec.provider === 'bedrock' || failsOverToBedrock) && !spec.bedrock)
    problems.push(
      'bedrock: provider bedrock needs `bedrock: { bucket, prefix, roleArn }` (the S3 bucket of its job files and the service role its jobs run as)',
    );
  if (spec.bedrock && spec.provider !== 'bedrock' && !failsOverToBedrock)
    problems.push(`bedrock: only for provider bedrock (the provider is ${spec.provider})`);
}

/**
 * poll.deadline cancels a batch that is still unfinished: it must leave room for at least one look
 * after the first, and the overdue alert (poll.alertAfter) must ring before it or it never would.
 */
function checkDeadline(poll: RunSpec['poll'], problems: string[]): void {
  const deadline = poll?.deadline ?? formatDuration(SEED_DEFAULTS.poll.deadlineMs);
  const deadlineMs = parseDuration(deadline);
  const initial = poll?.initial ?? formatDuration(SEED_DEFAULTS.poll.initialMs);
  if (deadlineMs <= parseDuration(initial)) {
    problems.push(
      `poll.deadline: ${deadline} must exceed poll.initial (${initial}), or no batch could be looked at twice before it`,
    );
  }
  if (poll?.alertAfter && parseDuration(poll.alertAfter) >= deadlineMs) {
    problems.push(
      `poll.alertAfter: ${poll.alertAfter} must be shorter than poll.deadline (${deadline}): the batch is cancelled at the deadline, so the overdue alert would never ring`,
    );
  }
  if (poll?.startDeadline && parseDuration(poll.startDeadline) >= deadlineMs) {
    problems.push(
      `poll.startDeadline: ${poll.startDeadline} must be shorter than poll.deadline (${deadline}): a batch not started by then is cancelled at the deadline anyway`,
    );
  }
}

/**
 * The stalled-batch watchdog: the spec's, else the seed's 6 h when the deadline is longer; a
 * deadline that is not (a test's 2 s) turns it off (equal to the deadline), as the deadline
 * cancels such a batch first.
 */
function startDeadlineMsOf(poll: RunSpec['poll'], deadlineMs: number): number {
  if (poll?.startDeadline) return parseDuration(poll.startDeadline);
  return SEED_DEFAULTS.poll.startDeadlineMs < deadlineMs ? SEED_DEFAULTS.poll.startDeadlineMs : deadlineMs;
}

/** Unless the spec sets it, the overdue alert rings at 5/6 of the deadline (20 h of 24 h), at most 20 h. */
function alertAfterMsOf(poll: RunSpec['poll'], deadlineMs: number): number {
  if (poll?.alertAfter) return parseDuration(poll.alertAfter);
  return Math.min(SEED_DEFAULTS.poll.alertAfterMs, Math.floor((deadlineMs * 5) / 6));
}

/** A URL as it is; a path (or a glob) relative to the spec's folder. */
const inputPathOf = (baseDir: string, input: string) => (isObjectUrl(input) ? input : resolve(baseDir, input));

function outputDirOf(name: string, baseDir: string, dir: string | undefined, overrides: SpecOverrides): string {
  const chosen = overrides.outputDir ?? dir;
  // A bucket prefix is no path: resolving it would make `s3://b/p` a folder named `s3:` here.
  if (chosen && isObjectUrl(chosen)) return chosen.replace(/\/+$/, '');
  return resolve(overrides.outputDir ?? (dir ? resolve(baseDir, dir) : resolve('out', name)));
}

export interface SpecOverrides {
  outputDir?: string;
  /** In place of the file's provider, model and deploymentModel (`npm run demo -- --provider NAME`). */
  provider?: string;
  model?: string;
  deploymentModel?: string;
  bedrock?: { bucket: string; prefix: string; roleArn: string };
}

/** The document with the overrides' provider, model and deploymentModel in place of its own. */
function withOverrides(document: unknown, overrides: SpecOverrides): unknown {
  if (typeof document !== 'object' || document === null) return document;
  const { provider, model, deploymentModel, bedrock } = overrides;
  return {
    ...document,
    ...(provider ? { provider } : {}),
    ...(model ? { model } : {}),
    ...(deploymentModel ? { deploymentModel } : {}),
    ...(bedrock ? { bedrock } : {}),
  };
}

export function loadSpec(specPath: string, overrides: SpecOverrides = {}): ResolvedSpec {
  const file = resolve(specPath);
  if (!existsSync(file)) throw new SpecError(specPath, ['file not found']);
  const document = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new SpecError(
      specPath,
      document.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`),
    );
  }
  const parsed = RunSpecSchema.safeParse(withOverrides(document.toJS(), overrides));
  const problems = parsed.success ? [] : describeSpecIssues(parsed.error);
  if (!parsed.success) {
    // Still check what can be checked, so one pass lists every mistake.
    const raw = (document.toJS() ?? {}) as Partial<RunSpec>;
    const baseDir = dirname(file);
    const rawInput = typeof raw.input === 'string' ? inputPathOf(baseDir, raw.input) : undefined;
    if (rawInput && !hasGlob(rawInput) && !isObjectUrl(rawInput) && !existsSync(rawInput)) {
      problems.push(`input: file not found: ${rawInput}`);
    }
    if (typeof raw.output?.schema === 'string') loadOutputSchema(resolve(baseDir, raw.output.schema), problems);
    if (raw.template && typeof raw.template === 'object') checkTemplates(raw.template, problems);
    if (typeof raw.name === 'string' && (raw.output?.dir === undefined || typeof raw.output.dir === 'string')) {
      checkOutputDir(outputDirOf(raw.name, baseDir, raw.output?.dir, overrides), problems);
    }
    throw new SpecError(specPath, problems);
  }
  const spec = parsed.data;
  const baseDir = dirname(file);
  const outputDir = outputDirOf(spec.name, baseDir, spec.output?.dir, overrides);
  checkTemplates(spec.template, problems);
  const prices = spec.pricing ? loadPricing(resolve(baseDir, spec.pricing), problems) : undefined;
  checkWorld(spec, baseDir, prices, problems);
  checkOutputDir(outputDir, problems);
  const outputSchema = spec.output?.schema
    ? loadOutputSchema(resolve(baseDir, spec.output.schema), problems)
    : undefined;
  if (problems.length > 0) throw new SpecError(specPath, problems);

  const inputPath = inputPathOf(baseDir, spec.input);
  const ms = (text: string | undefined, fallback: number) => (text ? parseDuration(text) : fallback);
  return {
    name: spec.name,
    specPath: file,
    inputPath,
    inputFormat: spec.inputFormat ?? inputFormatOf(inputPath),
    idField: spec.id,
    ...(spec.template ? { template: spec.template } : {}),
    ...(spec.endpoint === 'embeddings' && spec.embed
      ? { embed: { field: spec.embed, ...(spec.dimensions ? { dimensions: spec.dimensions } : {}) } }
      : {}),
    outputSchema,
    outputDir,
    ...(spec.output?.format === 'parquet' ? { outputFormat: 'parquet' as const } : {}),
    ...(spec.output?.postgres
      ? { outputPostgres: { urlEnv: spec.output.postgres.urlEnv, table: spec.output.postgres.table.toLowerCase() } }
      : {}),
    provider: spec.provider,
    model: spec.model,
    ...(spec.deploymentModel ? { priceModel: spec.deploymentModel } : {}),
    ...(spec.vertex ? { vertex: spec.vertex } : {}),
    // An embedding has no output: nothing to limit, estimate or reserve.
    maxTokens: spec.endpoint === 'embeddings' ? 0 : (spec.maxTokens ?? SEED_DEFAULTS.maxTokens),
    mode: spec.mode ?? 'batch',
    chunkSize: spec.chunkSize ?? SEED_DEFAULTS.chunkSize,
    ...(spec.budget ? { budget: { ...spec.budget, yellowAt: spec.budget.yellowAt ?? SEED_DEFAULTS.yellowAt } } : {}),
    ...(prices ? { prices } : {}),
    cache: {
      enabled: spec.cache?.enabled ?? SEED_DEFAULTS.cache.enabled,
      maxAgeMs: ms(spec.cache?.maxAge, SEED_DEFAULTS.cache.maxAgeMs),
    },
    ...(spec.routing?.downgradeTo ? { downgradeTo: spec.routing.downgradeTo } : {}),
    ...(spec.routing?.rules?.length ? { routes: spec.routing.rules } : {}),
    ...(spec.hybrid && spec.mode === 'hybrid' ? { hybrid: spec.hybrid } : {}),
    ...(spec.failover?.length ? { failover: spec.failover } : {}),
    ...(spec.bedrock
      ? { bedrock: { ...spec.bedrock, prefix: (spec.bedrock.prefix ?? '').replace(/^\/+|\/+$/g, '') } }
      : {}),
    poll: {
      initialMs: ms(spec.poll?.initial, SEED_DEFAULTS.poll.initialMs),
      maxMs: ms(spec.poll?.max, SEED_DEFAULTS.poll.maxMs),
      alertAfterMs: alertAfterMsOf(spec.poll, ms(spec.poll?.deadline, SEED_DEFAULTS.poll.deadlineMs)),
      deadlineMs: ms(spec.poll?.deadline, SEED_DEFAULTS.poll.deadlineMs),
      cancelWaitMs: ms(spec.poll?.cancelWait, SEED_DEFAULTS.poll.cancelWaitMs),
      startDeadlineMs: startDeadlineMsOf(spec.poll, ms(spec.poll?.deadline, SEED_DEFAULTS.poll.deadlineMs)),
    },
    retry: {
      strike2DelayMs: ms(spec.retry?.strike2Delay, SEED_DEFAULTS.retry.strike2DelayMs),
      strike3DelayMs: ms(spec.retry?.strike3Delay, SEED_DEFAULTS.retry.strike3DelayMs),
      syncBackoffMs: ms(spec.retry?.syncBackoff, SEED_DEFAULTS.retry.syncBackoffMs),
      deadLetterAlertRate: spec.retry?.deadLetterAlertRate ?? SEED_DEFAULTS.retry.deadLetterAlertRate,
      authProbeMs: ms(spec.retry?.authProbe, SEED_DEFAULTS.retry.authProbeMs),
      authTimeoutMs: ms(spec.retry?.authTimeout, SEED_DEFAULTS.retry.authTimeoutMs),
      failedBatchResubmits: spec.retry?.failedBatchResubmits ?? SEED_DEFAULTS.retry.failedBatchResubmits,
      failoverAfterMs: ms(spec.retry?.failoverAfter, SEED_DEFAULTS.retry.failoverAfterMs),
      finalizeBackoffMs: ms(spec.retry?.finalizeBackoff, SEED_DEFAULTS.retry.finalizeBackoffMs),
      callBackoffMs: ms(spec.retry?.callBackoff, SEED_DEFAULTS.retry.callBackoffMs),
      callBackoffMaxMs: Math.max(
        ms(spec.retry?.callBackoffMax, SEED_DEFAULTS.retry.callBackoffMaxMs),
        ms(spec.retry?.callBackoff, SEED_DEFAULTS.retry.callBackoffMs),
      ),
    },
    limits: {
      ...SEED_DEFAULTS.limits,
      // Bedrock refuses jobs under its record minimum; the other providers take a batch of one.
      batchMinRecords: spec.provider === 'bedrock' ? BEDROCK_MIN_RECORDS : 0,
      ...spec.limits,
    },
    alert: spec.alert,
  };
}
