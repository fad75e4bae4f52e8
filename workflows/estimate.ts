// `llmbatch estimate`: plans the spec exactly as a run would (same reader, templates, dedup, cache
// lookup and token counts) under a scratch id, prices it, and forgets the plan. With a sample, N
// random unique items really run through sync calls as a run of their own (answers kept: a later
// run reuses them from the cache), and their billed tokens replace the guesses: output per item
// measured, input calibrated against the provider's count. Nothing of the items enters history.
import { CancellationScope, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SAMPLE_RUN_SUFFIX, type EstimateReport, type EstimateWorkflowInput, type RunReport } from '../common';
import { ioProfile } from './activity-profiles';
import { batchRunWorkflow } from './batch-run';
import { filesWorkerMissing, noFilesWorker, onFilesWorker } from './files-queue';

const io = proxyActivities<Activities>(ioProfile);

export async function estimateWorkflow(input: EstimateWorkflowInput): Promise<EstimateReport> {
  const scratchId = workflowInfo().workflowId;
  const { spec } = input;
  try {
    const plan = await io.planRun
      .executeWithOptions(onFilesWorker({ ...ioProfile, summary: `plan ${spec.inputPath} (estimate)` }, input), [
        { runId: scratchId, spec, estimateOnly: true },
      ])
      .catch((error: unknown) => {
        throw noFilesWorker(error) ? filesWorkerMissing(input, 'the estimate', spec.inputPath) : error;
      });
    let sample: EstimateReport['sample'];
    const size = Math.min(input.sample ?? 0, plan.uniqueRequests - plan.cacheHits);
    if (size > 0) {
      // The sample's input file is written next to the user's output, and its run reads it there.
      const picked = await io.writeSample
        .executeWithOptions(
          onFilesWorker({ ...ioProfile, summary: `pick ${size} random unique items to run` }, input),
          [{ runId: scratchId, spec, size }],
        )
        .catch((error: unknown) => {
          throw noFilesWorker(error) ? filesWorkerMissing(input, 'the sample', spec.inputPath) : error;
        });
      const sampleRunId = `${scratchId}${SAMPLE_RUN_SUFFIX}`;
      const report = await executeChild(batchRunWorkflow, {
        workflowId: sampleRunId,
        args: [{ spec: picked.spec, filesQueue: input.filesQueue, filesWorkerWaitMs: input.filesWorkerWaitMs }],
        staticSummary: `sample of ${size} items for ${scratchId}`,
      });
      const answered = report.succeeded;
      sample = {
        runId: sampleRunId,
        answered,
        costUsd: report.costUsd.actual,
        outputTokensPerItem: answered ? report.tokens.output / answered : 0,
        // Every prompt token the provider counted, prompt-cache writes and reads included: the plan
        // prices the cached share apart (its lanes' promptCache), from the same whole count.
        inputCalibration:
          answered && picked.countedInputTokens
            ? promptTokens(report.tokens) / answered / (picked.countedInputTokens / size)
            : 1,
        outputDir: report.outputDir,
      };
    }
    return await io.priceEstimate.executeWithOptions({ ...ioProfile, summary: 'price the estimate' }, [
      { runId: scratchId, spec, plan, sample, compare: input.compare ?? false },
    ]);
  } finally {
    // Also after a cancel (Ctrl-C on the CLI): a scratch plan left behind would only take space.
    await CancellationScope.nonCancellable(() =>
      io.discardPlan.executeWithOptions({ ...ioProfile, summary: 'forget the scratch plan' }, [{ runId: scratchId }]),
    );
  }
}

/** A report's prompt tokens, wherever they were billed (reports written before the cache fields lack them). */
function promptTokens(tokens: RunReport['tokens']): number {
  return tokens.input + (tokens.cacheWrite ?? 0) + (tokens.cacheRead ?? 0);
}
