// What `dlq list` and `dlq replay` need to know about a finished run, read from Temporal alone (no
// worker needed): the spec it started with (the first event of its history, decoded with the
// client's data converter), its report (the workflow's result, or the details of its failure), and
// so its dead-letter.jsonl. Then the dead letters' summary, and the input of a replay run.
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import {
  ApplicationFailure,
  CancelledFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { hasGlob, type ResolvedSpec, type RunReport, type RunWorkflowInput } from '../common';
import { joinLocation, locationExists, locationStream, readLocationText } from '../activities/object-store/location';
import { outputDirProblem, pathSegmentProblem } from '../common/output-path';
import type { batchRunWorkflow } from '../workflows';

export interface FinishedRun {
  runId: string;
  /** Temporal's status of the run (COMPLETED, FAILED, CANCELED, TERMINATED, ...). */
  status: string;
  taskQueue: string;
  /** The queue its plan and finalize ran on, if it had one (`--files-queue`). */
  filesQueue?: string;
  /** The spec exactly as the run received it. */
  spec: ResolvedSpec;
  /** Where the run wrote its files (`<output.dir>/<run id>` for a scheduled run). */
  outputDir: string;
  deadLetterFile: string;
  /** The run's report, when it ended with one. */
  report?: RunReport;
}

export interface DeadLetter {
  id: string;
  line: number;
  kind: string;
  reason: string;
  retryable: boolean;
  duplicateOf?: string;
  attempts?: unknown[];
  /** The original input object of the line (a JSONL object, or the CSV row), when it could be read. */
  record?: Record<string, unknown>;
}

/** The run's start input, from the first event of its (latest) history. */
/** What decoding needs of a client: its data converter (a Client's or a handle's WorkflowClient). */
type Decoding = { options: Pick<Client['options'], 'loadedDataConverter'> };

export async function startInput(client: Decoding, handle: WorkflowHandle): Promise<RunWorkflowInput> {
  const history = await handle.fetchHistory();
  const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  if (payloads.length === 0) throw new Error(`run "${handle.workflowId}" has no start input in its history`);
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  let decoded = payloads;
  for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return payloadConverter.fromPayload<RunWorkflowInput>(decoded[0]);
}

/**
 * The report.json a closed run wrote, found through its start input (its output folder), when it is
 * this run's (a later run of the same spec writes over it). What a cancelled run's result cannot
 * carry (Temporal's cancel has no details), read where the run left it, with no worker up.
 */
export async function reportOnDisk(client: Decoding, handle: WorkflowHandle): Promise<RunReport | undefined> {
  const input = await startInput(client, handle).catch(() => undefined);
  if (!input) return undefined;
  const runId = handle.workflowId;
  const file = joinLocation(
    input.outputPerRun ? `${input.spec.outputDir}/${runId}` : input.spec.outputDir,
    'report.json',
  );
  if (!(await locationExists(file).catch(() => false))) return undefined;
  const report = JSON.parse(await readLocationText(file)) as RunReport;
  return report.runId === runId ? report : undefined;
}

/** The report a closed run carries: its result, or the details of its failure or cancellation. */
export async function closedRunReport(handle: WorkflowHandle<typeof batchRunWorkflow>): Promise<RunReport | undefined> {
  try {
    return await handle.result();
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    for (let cause: unknown = error.cause; cause instanceof Error; cause = (cause as { cause?: unknown }).cause) {
      const details =
        cause instanceof CancelledFailure || (cause instanceof ApplicationFailure && cause.type === 'RunFailed')
          ? cause.details
          : undefined;
      const report = details?.[0] as RunReport | undefined;
      if (report && typeof report === 'object' && 'runId' in report) return report;
    }
    return undefined;
  }
}

/** A finished run and where its dead letters are; refuses an unknown run and one still going. */
export async function findFinishedRun(client: Client, runId: string): Promise<FinishedRun> {
  const handle = client.workflow.getHandle<typeof batchRunWorkflow>(runId);
  const description = await handle.describe().catch((error: unknown) => {
    if (error instanceof WorkflowNotFoundError) throw new Error(`no run with id "${runId}"`);
    throw error;
  });
  if (description.type !== 'batchRunWorkflow') {
    throw new Error(`"${runId}" is not a run but a ${description.type} (give the run id, the parent's)`);
  }
  const status = description.status.name;
  if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW') {
    throw new Error(
      `run ${runId} has not finished yet: its dead letters are written at the end (see llmbatch status ${runId})`,
    );
  }
  const input = await startInput(client, handle);
  const report = await closedRunReport(handle);
  const outputDir =
    report?.outputDir ?? (input.outputPerRun ? `${input.spec.outputDir}/${runId}` : input.spec.outputDir);
  // A replay writes its input under this folder: a run id that climbs out of output.dir is refused.
  const unsafe = outputDirProblem(outputDir);
  if (unsafe) throw new Error(`run ${runId}: output.dir "${outputDir}" ${unsafe}`);
  const deadLetterFile = report?.files.deadLetter ?? joinLocation(outputDir, 'dead-letter.jsonl');
  if (!(await locationExists(deadLetterFile))) {
    throw new Error(`run ${runId} ended (${status}) without writing ${deadLetterFile}`);
  }
  // Two runs of one spec (without a schedule) share the output folder: the later one wins.
  const reportFile = report?.files.report ?? joinLocation(outputDir, 'report.json');
  if (await locationExists(reportFile)) {
    const owner = (JSON.parse(await readLocationText(reportFile)) as Partial<RunReport>).runId;
    if (owner && owner !== runId) {
      throw new Error(
        `the files in ${outputDir} now belong to run ${owner} (a later run of the same spec wrote over them); run ${runId}'s dead letters are gone`,
      );
    }
  }
  return {
    runId,
    status,
    taskQueue: description.taskQueue,
    filesQueue: input.filesQueue,
    spec: input.spec,
    outputDir,
    deadLetterFile,
    report,
  };
}

/** A run's dead letters, from its folder or its bucket. */
export async function readDeadLetters(path: string): Promise<DeadLetter[]> {
  return (await readLocationText(path))
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as DeadLetter);
}

export interface DeadLetterSummary {
  total: number;
  retryable: number;
  notRetryable: number;
  byKind: Record<string, number>;
  first: { id: string; line: number; kind: string; retryable: boolean; reason: string }[];
}

export function summarizeDeadLetters(deadLetters: DeadLetter[], firstCount = 10): DeadLetterSummary {
  const byKind: Record<string, number> = {};
  for (const d of deadLetters) byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
  const retryable = deadLetters.filter((d) => d.retryable).length;
  return {
    total: deadLetters.length,
    retryable,
    notRetryable: deadLetters.length - retryable,
    // Most frequent first.
    byKind: Object.fromEntries(Object.entries(byKind).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    first: deadLetters
      .slice(0, firstCount)
      .map(({ id, line, kind, retryable, reason }) => ({ id, line, kind, retryable, reason })),
  };
}

/** Lines of a text file by number, read in one pass that stops once it has them all. */
async function inputLines(path: string, wanted: Set<number>): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  if (wanted.size === 0) return found;
  const lines = createInterface({ input: Readable.from(locationStream(path)), crlfDelay: Infinity });
  let number = 0;
  for await (const text of lines) {
    number++;
    if (wanted.has(number)) found.set(number, text);
    if (found.size === wanted.size) break;
  }
  lines.close();
  return found;
}

/**
 * The input records of a replay, in the original input order: each dead letter's `record`, or else
 * (JSONL input only) its line taken again from the original input, checked to still hold its id.
 * Refuses a spec without an id field: the replay's items would be named by their new line numbers.
 */
export async function replayRecords(run: FinishedRun, deadLetters: DeadLetter[]): Promise<Record<string, unknown>[]> {
  const { spec } = run;
  const idField = spec.idField;
  if (!idField) {
    throw new Error(
      `run ${run.runId}'s spec has no \`id\` field, so its items are named by line number and a replay would name them by new line numbers; ` +
        `give the input a unique field, set \`id: <field>\` in ${spec.specPath}, and start a new run`,
    );
  }
  const missing = deadLetters.filter((d) => !isRecord(d.record));
  if (missing.length > 0 && spec.inputFormat !== 'jsonl') {
    throw new Error(
      `${missing.length} dead letters of run ${run.runId} carry no input record (the first: id ${missing[0].id}, line ${missing[0].line}) ` +
        `and ${spec.inputPath} is CSV, whose lines are not records on their own: cannot replay them`,
    );
  }
  if (missing.length > 0 && (hasGlob(spec.inputPath) || !(await locationExists(spec.inputPath)))) {
    throw new Error(
      `${missing.length} dead letters of run ${run.runId} carry no input record and the input ${spec.inputPath} is gone: cannot replay them`,
    );
  }
  const lines = await inputLines(spec.inputPath, new Set(missing.map((d) => d.line)));
  return deadLetters.map((d) => {
    if (isRecord(d.record)) return d.record;
    const text = lines.get(d.line);
    let record: unknown;
    try {
      record = text === undefined ? undefined : JSON.parse(text);
    } catch {
      record = undefined;
    }
    if (!isRecord(record) || String(record[idField]) !== String(d.id)) {
      throw new Error(
        `dead letter ${d.id} carries no input record and line ${d.line} of ${spec.inputPath} no longer holds it (the input changed since run ${run.runId}): cannot replay it`,
      );
    }
    return record;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The spec of a replay: the original one over the replay file, writing under the run's folder. */
export function replaySpec(run: FinishedRun, inputPath: string, newRunId: string): ResolvedSpec {
  const unsafe = pathSegmentProblem(newRunId);
  if (unsafe) throw new Error(`replay run id "${newRunId}" cannot name a folder under ${run.outputDir}: it ${unsafe}`);
  return {
    ...run.spec,
    inputPath,
    inputFormat: 'jsonl',
    outputDir: joinLocation(run.outputDir, `replay-${newRunId}`),
  };
}
