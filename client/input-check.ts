// The input and output checks that need I/O the spec loader cannot do synchronously: a glob's
// shards, an s3:// or gs:// bucket, a Parquet file's footer and columns, a CSV object's header, and
// an output.dir in a bucket (written and deleted once). Run by the client before a run starts, so
// bad input costs one line and nothing else; the plan activity meets the same errors on the worker
// (non-retryable) if the input changes in between.
import { hasGlob, isObjectUrl, type ResolvedSpec } from '../common';
import { readShardCsvHeader } from '../activities/inputs/dataset';
import { parquetColumns } from '../activities/inputs/parquet';
import { listShards, type Shard } from '../activities/inputs/shards';
import { outputUrlProblem } from '../activities/object-store/probe';
import { checkColumns, loadSpec, SpecError, type SpecOverrides } from './spec-loader';

const fieldsOf = (spec: ResolvedSpec) => ({ id: spec.idField, template: spec.template, embed: spec.embed?.field });

/** Every shard's Parquet footer is read (a few KB each): a truncated shard is found now, not mid-plan. */
async function parquetProblems(spec: ResolvedSpec, shards: Shard[], problems: string[]) {
  for (const shard of shards) {
    try {
      const columns = await parquetColumns(shard);
      if (shard === shards[0]) checkColumns(fieldsOf(spec), columns, shard.location, problems);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
}

/** A CSV object's header, as the spec loader checks a local CSV's (the first shard's, for a glob). */
async function csvObjectProblems(spec: ResolvedSpec, shard: Shard, problems: string[]) {
  const header = await readShardCsvHeader(shard);
  if ('problem' in header) problems.push(`input: ${shard.location}: ${header.problem}`);
  else checkColumns(fieldsOf(spec), header.columns, shard.location, problems);
}

async function inputProblems(spec: ResolvedSpec): Promise<string[]> {
  const problems: string[] = [];
  let shards: Shard[];
  try {
    shards = await listShards(spec.inputPath);
  } catch (error) {
    return [(error as Error).message];
  }
  try {
    if (spec.inputFormat === 'parquet') await parquetProblems(spec, shards, problems);
    else if (spec.inputFormat === 'csv' && isObjectUrl(spec.inputPath) && shards[0].size > 0)
      await csvObjectProblems(spec, shards[0], problems);
  } catch (error) {
    problems.push(`input: ${spec.inputPath}: ${(error as Error).message}`);
  }
  if (shards.every((s) => s.size === 0)) problems.push(`input: ${spec.inputPath} is empty: there is nothing to run`);
  return problems;
}

/** loadSpec, then the input's and the output's own checks; throws a SpecError listing every problem. */
export async function loadCheckedSpec(specPath: string, overrides: SpecOverrides = {}): Promise<ResolvedSpec> {
  const spec = loadSpec(specPath, overrides);
  const checkInput = hasGlob(spec.inputPath) || isObjectUrl(spec.inputPath) || spec.inputFormat === 'parquet';
  const problems = checkInput ? await inputProblems(spec) : [];
  if (isObjectUrl(spec.outputDir)) {
    const problem = await outputUrlProblem(spec.outputDir);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new SpecError(specPath, problems);
  return spec;
}
