// LLMBATCH_LOG_FORMAT=json: every log line of the worker as one JSON object, for a log pipeline
// (Loki, CloudWatch, Elasticsearch) to index without parsing text. Each line says which run and
// chunk it is about, taken from the Temporal context that logged it: a run's workflow id is its run
// id, a chunk's is `<run id>/chunk-<n>` (workflows/batch-run.ts chunkWorkflowId).

export interface LogEntry {
  level: string;
  message: string;
  meta?: Record<string, unknown>;
  /** What Temporal's DefaultLogger hands its log function. */
  timestampNanos: bigint;
}

/** Noise for a log reader: a base64 token a few hundred characters long that only Temporal uses. */
const DROPPED = new Set(['taskToken']);

/** Our run id and chunk number from a Temporal workflow id, when it is one of a run's. */
export function runOfWorkflowId(workflowId: string): { runId: string; chunk?: number } {
  const chunk = /^(.+)\/chunk-(\d+)$/.exec(workflowId);
  return chunk ? { runId: chunk[1], chunk: Number(chunk[2]) } : { runId: workflowId };
}

/** An error as fields: its stack (every line of it) stays one string, so the log line stays one line. */
function errorFields(error: Error): Record<string, unknown> {
  const extra = error as Error & { type?: unknown; cause?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(extra.type !== undefined ? { type: extra.type } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
    ...(extra.cause instanceof Error ? { cause: errorFields(extra.cause) } : {}),
  };
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return errorFields(value);
  return value;
}

/** One log entry as one line of JSON: time, level, message, runId and chunk where known, then the rest. */
export function jsonLogLine({ level, message, meta = {}, timestampNanos }: LogEntry): string {
  const { workflowId, runId, chunk, sdkComponent, ...rest } = meta;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) if (!DROPPED.has(key)) fields[key] = value;
  // Next to a workflow id, `runId` is Temporal's run id (a UUID: workflow and worker lines), not
  // ours, which the workflow id names: Temporal's moves aside to workflowRunId.
  const ours = typeof workflowId === 'string' ? runOfWorkflowId(workflowId) : undefined;
  const temporalRunId = ours && runId !== undefined && runId !== ours.runId ? runId : undefined;
  const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  const ourRunId = ours?.runId ?? runId;
  const ourChunk = chunk ?? ours?.chunk;
  const line = {
    time,
    level,
    message,
    ...(ourRunId !== undefined ? { runId: ourRunId } : {}),
    ...(ourChunk !== undefined ? { chunk: ourChunk } : {}),
    ...(workflowId !== undefined ? { workflowId } : {}),
    ...(temporalRunId !== undefined ? { workflowRunId: temporalRunId } : {}),
    ...(sdkComponent !== undefined ? { sdkComponent } : {}),
    ...fields,
  };
  try {
    return JSON.stringify(line, replacer);
  } catch {
    // A circular or otherwise unserialisable field: the line still goes out, without the fields.
    return JSON.stringify({ time, level, message, runId: ourRunId, chunk: ourChunk, unserializableMeta: true });
  }
}
