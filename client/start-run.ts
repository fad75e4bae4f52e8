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
      typedSearchAttributes: [
        { key: LlmRunId, value: runId },
        { key: LlmProvider, value: spec.provider },
        { key: LlmModel, value: spec.model },
        { key: LlmPhase, value: 'planning' },
      ],
      staticSummary: `${spec.name}: ${spec.provider}/${spec.model} ${spec.mode}`.slice(0, 200),
      // Most telling first: the Web UI sizes this panel short and may cut the last line.
      staticDetails: [
        `**Provider** ${spec.provider} · **model** ${spec.model} · **mode** ${spec.mode} · **chunk size** ${spec.chunkSize}`,
        `**Input** \`${spec.inputPath}\` · **output** \`${spec.outputDir}\`` +
          (options.filesQueue ? ` · **files queue** \`${options.filesQueue}\`` : ''),
        `**Spec** \`${spec.specPath}\``,
      ].join('\n\n'),
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new Error(`run id "${runId}" is already in use (running or finished); choose another with --id`);
    }
    throw error;
  }
}
