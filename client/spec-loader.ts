// Reads a run spec, validates it with zod and then against the world (files exist, the output
// schema compiles, provider and model fit), and lists EVERY problem by path before anything starts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import Ajv from 'ajv';
import { parseDocument } from 'yaml';
import {
  RunSpecSchema,
  SEED_DEFAULTS,
  describeSpecIssues,
  parseDuration,
  type JsonSchema,
  type ResolvedSpec,
  type RunSpec,
} from '../common';

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

const AVAILABLE_PROVIDERS = new Set(['openai', 'azure-openai', 'anthropic', 'simulator']);
const AVAILABLE_MODES = new Set(['batch', 'sync']);

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

function checkWorld(spec: RunSpec, baseDir: string, problems: string[]) {
  const inputPath = resolve(baseDir, spec.input);
  if (!existsSync(inputPath)) problems.push(`input: file not found: ${inputPath}`);
  else if (!statSync(inputPath).isFile()) problems.push(`input: not a file: ${inputPath}`);
  else if (statSync(inputPath).size === 0) problems.push(`input: ${inputPath} is empty: there is nothing to run`);
  if (!AVAILABLE_PROVIDERS.has(spec.provider)) {
    problems.push(
      `provider: "${spec.provider}" is not available in this version yet (use openai, anthropic or simulator)`,
    );
  }
  const claude = spec.model.startsWith('claude');
  if ((spec.provider === 'openai' || spec.provider === 'azure-openai') && claude) {
    problems.push(`model: "${spec.model}" is an Anthropic model; provider ${spec.provider} cannot run it`);
  }
  if (spec.provider === 'anthropic' && !claude) {
    problems.push(`model: "${spec.model}" is not an Anthropic model`);
  }
  if (spec.mode && !AVAILABLE_MODES.has(spec.mode)) {
    problems.push(`mode: "${spec.mode}" is not available in this version yet (use batch or sync)`);
  }
  if (spec.poll?.initial && spec.poll.max && parseDuration(spec.poll.initial) > parseDuration(spec.poll.max)) {
    problems.push('poll: initial must not exceed max');
  }
}

export interface SpecOverrides {
  outputDir?: string;
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
  const parsed = RunSpecSchema.safeParse(document.toJS());
  const problems = parsed.success ? [] : describeSpecIssues(parsed.error);
  if (!parsed.success) {
    // Still check what can be checked, so one pass lists every mistake.
    const raw = (document.toJS() ?? {}) as Partial<RunSpec>;
    const baseDir = dirname(file);
    if (typeof raw.input === 'string' && !existsSync(resolve(baseDir, raw.input))) {
      problems.push(`input: file not found: ${resolve(baseDir, raw.input)}`);
    }
    if (typeof raw.output?.schema === 'string') loadOutputSchema(resolve(baseDir, raw.output.schema), problems);
    throw new SpecError(specPath, problems);
  }
  const spec = parsed.data;
  const baseDir = dirname(file);
  checkWorld(spec, baseDir, problems);
  const outputSchema = spec.output?.schema
    ? loadOutputSchema(resolve(baseDir, spec.output.schema), problems)
    : undefined;
  if (problems.length > 0) throw new SpecError(specPath, problems);

  const inputPath = resolve(baseDir, spec.input);
  const ms = (text: string | undefined, fallback: number) => (text ? parseDuration(text) : fallback);
  return {
    name: spec.name,
    specPath: file,
    inputPath,
    inputFormat: extname(inputPath).toLowerCase() === '.csv' ? 'csv' : 'jsonl',
    idField: spec.id,
    template: spec.template,
    outputSchema,
    outputDir: resolve(
      overrides.outputDir ?? (spec.output?.dir ? resolve(baseDir, spec.output.dir) : resolve('out', spec.name)),
    ),
    provider: spec.provider,
    model: spec.model,
    maxTokens: spec.maxTokens ?? SEED_DEFAULTS.maxTokens,
    mode: spec.mode ?? 'batch',
    chunkSize: spec.chunkSize ?? SEED_DEFAULTS.chunkSize,
    budget: spec.budget,
    poll: {
      initialMs: ms(spec.poll?.initial, SEED_DEFAULTS.poll.initialMs),
      maxMs: ms(spec.poll?.max, SEED_DEFAULTS.poll.maxMs),
      alertAfterMs: ms(spec.poll?.alertAfter, SEED_DEFAULTS.poll.alertAfterMs),
    },
    retry: {
      strike2DelayMs: ms(spec.retry?.strike2Delay, SEED_DEFAULTS.retry.strike2DelayMs),
      strike3DelayMs: ms(spec.retry?.strike3Delay, SEED_DEFAULTS.retry.strike3DelayMs),
      syncBackoffMs: ms(spec.retry?.syncBackoff, SEED_DEFAULTS.retry.syncBackoffMs),
      deadLetterAlertRate: spec.retry?.deadLetterAlertRate ?? SEED_DEFAULTS.retry.deadLetterAlertRate,
      authProbeMs: ms(spec.retry?.authProbe, SEED_DEFAULTS.retry.authProbeMs),
      authTimeoutMs: ms(spec.retry?.authTimeout, SEED_DEFAULTS.retry.authTimeoutMs),
    },
    limits: { ...SEED_DEFAULTS.limits, ...spec.limits },
    alert: spec.alert,
  };
}
