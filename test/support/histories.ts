// Reads every workflow execution of a run (parent runs across continue-as-new, and all chunks)
// with its full history, payloads decoded, so tests can count events and scan for item text.
import type { Client } from '@temporalio/client';

export interface ExecutionHistory {
  workflowId: string;
  runId: string;
  events: number;
  /** The whole history as text, every payload decoded from bytes to UTF-8. */
  text: string;
}

function decodeBytes(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (
    value &&
    typeof value === 'object' &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  ) {
    return Buffer.from((value as { data: number[] }).data).toString('utf8');
  }
  return value;
}

export async function runHistories(client: Client, runId: string): Promise<ExecutionHistory[]> {
  const histories: ExecutionHistory[] = [];
  for await (const execution of client.workflow.list({ query: `LlmRunId = "${runId}"` })) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    histories.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      events: history.events?.length ?? 0,
      text: JSON.stringify(history, decodeBytes),
    });
  }
  return histories;
}
