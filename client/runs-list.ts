// Recent runs from Temporal visibility: the parent workflows only (a run's chunk children are
// workflows too and would flood the list), with the counts and cost their search attributes carry,
// and for a closed run the figures and files of its report.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { batchRunWorkflow } from '../workflows';
import { LlmCostUsd, LlmItemsDone, LlmItemsFailed, LlmItemsTotal, LlmPhase } from '../workflows/search-attributes';
import { closedRunReport } from './dead-letters';

/** The parent workflow's type: a visibility query on it lists runs, never their chunks. */
export const RUNS_QUERY = `WorkflowType = 'batchRunWorkflow'`;

export interface RunRow {
  runId: string;
  /** Temporal's status, and the run's own phase while it runs. */
  state: string;
  items?: number;
  results?: number;
  deadLetters?: number;
  costUsd?: number;
  startedAt: string;
  /** report.html (or report.json, for a run finished before pages were written); none while running. */
  report?: string;
}

async function rowOf(client: Client, run: WorkflowExecutionInfo): Promise<RunRow> {
  const attrs = run.typedSearchAttributes;
  const status = run.status.name;
  const row: RunRow = {
    runId: run.workflowId,
    state: status === 'RUNNING' ? `RUNNING ${attrs.get(LlmPhase) ?? ''}`.trim() : status,
    items: attrs.get(LlmItemsTotal),
    results: attrs.get(LlmItemsDone),
    deadLetters: attrs.get(LlmItemsFailed),
    costUsd: attrs.get(LlmCostUsd),
    startedAt: run.startTime.toISOString(),
  };
  if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW') return row;
  const report = await closedRunReport(client.workflow.getHandle<typeof batchRunWorkflow>(run.workflowId)).catch(
    () => undefined,
  );
  if (!report) return row;
  const page = report.files.reportPage ?? join(dirname(report.files.report), 'report.html');
  return {
    ...row,
    items: report.items,
    results: report.succeeded,
    deadLetters: report.deadLettered,
    costUsd: report.costUsd.actual,
    report: existsSync(page) ? page : report.files.report,
  };
}

/** The newest `limit` runs, newest first. */
export async function listRuns(client: Client, limit: number): Promise<RunRow[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of client.workflow.list({ query: RUNS_QUERY, pageSize: limit })) {
    runs.push(run);
    if (runs.length >= limit) break;
  }
  return Promise.all(runs.map((run) => rowOf(client, run)));
}
