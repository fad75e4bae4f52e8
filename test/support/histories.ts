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

const utf8 = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

/**
 * A payload's bytes as UTF-8. The history's own toJSON runs before a replacer sees anything and
 * turns every bytes field into base64, so payloads are recognised by their shape and decoded here;
 * bytes that reach the replacer raw (another realm's Uint8Array under jest) are decoded too.
 */
function decodeBytes(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  if (!value || typeof value !== 'object') return value;
  const { metadata, data } = value as { metadata?: unknown; data?: unknown };
  if (metadata && typeof metadata === 'object' && (typeof data === 'string' || data === undefined)) {
    const decoded = Object.entries(metadata).map(([k, v]) => [k, typeof v === 'string' ? utf8(v) : v]);
    return { ...value, metadata: Object.fromEntries(decoded), ...(data === undefined ? {} : { data: utf8(data) }) };
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
      text: JSON.stringify(JSON.parse(JSON.stringify(history)), decodeBytes),
    });
  }
  return histories;
}
