// The input checks that need I/O the spec loader cannot do synchronously: a glob's shards, an
// s3:// or gs:// bucket, a Parquet file's footer and columns. Run by the client before a run
// starts, so bad input costs one line and nothing else; the plan activity meets the same errors
// on the worker (non-retryable) if the input changes in between.
import { hasGlob, isObjectUrl, type ResolvedSpec } from '../common';
import { parquetColumns } from '../activities/inputs/parquet';
import { listShards, type Shard } from '../activities/inputs/shards';
import { checkColumns, loadSpec, SpecError, type SpecOverrides } from './spec-loader';

async function inputProblems(spec: ResolvedSpec): Promise<string[]> {
  const problems: string[] = [];
  let shards: Shard[];
  try {
    shards = await listShards(spec.inputPath);
  } catch (error) {
    return [(error as Error).message];
  }
  if (spec.inputFormat === 'parquet') {
    // Every shard's footer is read (a few KB each): a truncated shard is found now, not mid-plan.
    for (const shard of shards) {
      try {
        const columns = await parquetColumns(shard);
        if (shard === shards[0]) {
          checkColumns(
            { id: spec.idField, template: spec.template, embed: spec.embed?.field },
            columns,
            shard.location,
            problems,
          );
        }
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
  }
  if (shards.every((s) => s.size === 0)) problems.push(`input: ${spec.inputPath} is empty: there is nothing to run`);
  return problems;
}

/** loadSpec, then the input's own checks; throws a SpecError listing every problem. */
export async function loadCheckedSpec(specPath: string, overrides: SpecOverrides = {}): Promise<ResolvedSpec> {
  const spec = loadSpec(specPath, overrides);
  if (!hasGlob(spec.inputPath) && !isObjectUrl(spec.inputPath) && spec.inputFormat !== 'parquet') return spec;
  const problems = await inputProblems(spec);
  if (problems.length > 0) throw new SpecError(specPath, problems);
  return spec;
}
