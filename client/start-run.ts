// Starts a run's parent workflow. The run id is the workflow id; an id already used is refused.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { FilesQueueInput, ResolvedSpec } from '../common';
import { pathSegmentProblem } from '../common/output-path';
import { batchRunWorkflow } from '../workflows';
import { LlmModel, LlmPhase, LlmProvider, LlmRunId } from '../workflows/search-attributes';

export interface StartRunOptions extends FilesQueueInput {
  taskQueue: string;
  runId?: string;
  continueAsNewEvery?: number;
}

export function defaultRunId(name: string, now = new Date()): string {
  return `${name}-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

/**
 * How a run shows in the Web UI: its search attributes at start, and the summary and details of its
 * page (`headline` first: the Web UI sizes that panel short and may cut the last line). Schedules
 * give their runs the same, without a run id (Temporal names each run).
 */
export function runPresentation(
  spec: ResolvedSpec,
  headline: string,
  outputDir: string,
  filesQueue: string | undefined,
  runId?: string,
) {
  return {
    typedSearchAttributes: [
      ...(runId === undefined ? [] : [{ key: LlmRunId, value: runId }]),
      { key: LlmProvider, value: spec.provider },
      { key: LlmModel, value: spec.model },
      { key: LlmPhase, value: 'planning' },
    ],
    staticSummary: `${spec.name}: ${spec.provider}/${spec.model} ${spec.mode}`.slice(0, 200),
    staticDetails: [
      headline,
      `**Input** \`${spec.inputPath}\` · **output** \`${outputDir}\`` +
        (filesQueue ? ` · **files queue** \`${filesQueue}\`` : ''),
      `**Spec** \`${spec.specPath}\``,
    ].join('\n\n'),
  };
}

export async function startRun(
  client: Client,
  spec: ResolvedSpec,
  options: StartRunOptions,
): Promise<WorkflowHandle<typeof batchRunWorkflow>> {
  const runId = options.runId ?? defaultRunId(spec.name);
  // A run id names folders (a replay's, a schedule's runs) and prefixes its chunks' ids ("<id>/chunk-N").
  const unsafe = pathSegmentProblem(runId);
  if (unsafe) throw new Error(`run id "${runId}" cannot be used: it ${unsafe}`);
  try {
    return await client.workflow.start(batchRunWorkflow, {
      workflowId: runId,
      taskQueue: options.taskQueue,
      args: [
        {
          runId,
          spec,
          continueAsNewEvery: options.continueAsNewEvery,
          ...(options.filesQueue
            ? { filesQueue: options.filesQueue, filesWorkerWaitMs: options.filesWorkerWaitMs }
            : {}),
        },
      ],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      ...runPresentation(
        spec,
        `**Provider** ${spec.provider} · **model** ${spec.model} · **mode** ${spec.mode} · **chunk size** ${spec.chunkSize}`,
        spec.outputDir,
        options.filesQueue,
        runId,
      ),
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new Error(`run id "${runId}" is already in use (running or finished); choose another with --id`);
    }
    throw error;
  }
}
