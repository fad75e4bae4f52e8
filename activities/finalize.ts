// Finalize: write the four output files of INTERFACE.md from the store, in input order, page by
// page. Files are written under temporary names and renamed, so a crash never leaves half a file;
// the report's counts are the lines actually written.
import { heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createWriteStream, mkdirSync, renameSync, writeFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import {
  isObjectUrl,
  priceModelOf,
  uncachedCostUsd,
  usageCostUsd,
  type PlanSummary,
  type ResolvedSpec,
  type RunReport,
  type RunStatus,
  type TokenUsage,
} from '../common';
import type { FinalItem } from '../store';
import { readDataset, type DatasetEntry } from './dataset';
import { assertOutputDir } from './output-guard';
import type { ActivityDeps } from './deps';
import { priceModelFor } from './spend-estimate';
import { DeadLetterReasons, StrikeCounter, attemptStrikes } from './report-facts';
import { writeReportPage } from './report-page';
import { asOutputFailure } from './output-failure';
import { joinLocation } from './object-store/location';
import { uploadOutputs, uploadsOf, withStagingFolder } from './outputs/object-output';
import { ParquetResults } from './outputs/parquet-results';
import { PostgresSink } from './outputs/postgres-sink';
import { confirmCosts } from './confirmed-cost';
import { estimateAsAnswered, type AnsweredBy } from './answered-estimate';

const PAGE = 5000;

export interface FinalizeInput {
  runId: string;
  spec: ResolvedSpec;
  plan: PlanSummary;
  startedAtMs: number;
  status?: RunStatus;
  /** Why the run failed, when it did. */
  error?: string;
}

/**
 * The end-of-run invariant: the three files hold exactly the planned lines. A gap means lines were
 * lost (a bug, or a store shared by two processes): the run must fail loudly with the numbers.
 */
export function accountingProblem(planned: number, files: { results: number; deadLetters: number; rejected: number }) {
  const written = files.results + files.deadLetters + files.rejected;
  if (written === planned) return undefined;
  return (
    `the output files hold ${written} lines (${files.results} results + ${files.deadLetters} dead letters + ` +
    `${files.rejected} rejected) but the plan counted ${planned} input lines: ` +
    `${Math.abs(planned - written)} lines ${written < planned ? 'are in no file' : 'are written twice'}`
  );
}

const FLUSH_CHARS = 256 * 1024;

/**
 * Waits for the first of two events, leaving no listener of the other behind: a file written with
 * back-pressure many times would pile them up (MaxListenersExceededWarning on large runs).
 */
async function firstOf(stream: WriteStream, a: string, b: string): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([once(stream, a, { signal: stop.signal }), once(stream, b, { signal: stop.signal })]);
  } finally {
    stop.abort();
  }
}

class JsonlWriter {
  readonly stream: WriteStream;
  lines = 0;
  /** An open or write that failed: kept, and thrown at the next write, not left to crash the worker. */
  private failure?: Error;
  constructor(readonly path: string) {
    this.stream = createWriteStream(`${path}.partial`);
    this.stream.on('error', (error) => (this.failure ??= error));
  }
  /** Lines not yet handed to the stream: one stream write per line cost more than the lines. */
  private pending = '';
  async write(value: unknown) {
    return this.writeLine(JSON.stringify(value));
  }
  /** A line already in JSON. */
  async writeLine(json: string) {
    this.lines++;
    this.pending += json + '\n';
    if (this.pending.length >= FLUSH_CHARS) await this.flush();
  }
  private check() {
    if (this.failure) throw this.failure;
  }
  private async flush() {
    this.check();
    const piece = this.pending;
    this.pending = '';
    if (!this.stream.write(piece)) await firstOf(this.stream, 'drain', 'close');
    this.check();
  }
  async close() {
    await this.flush();
    this.stream.end();
    await firstOf(this.stream, 'finish', 'close');
    this.check();
    renameSync(`${this.path}.partial`, this.path);
  }
}

/**
 * One line of results.jsonl, as JSON. An embeddings run writes the vector as `embedding` (an array
 * of numbers) in place of `output`. The vector, and a JSON answer's `parsed`, are the JSON text the
 * provider sent (checked when it was collected), put into the line as they are: parsing them only
 * to print them again was most of finalize's time.
 */
function resultLine(item: FinalItem, embedding: boolean): string {
  const result = item.result!;
  const head = JSON.stringify(embedding ? { id: item.itemId } : { id: item.itemId, output: result.output });
  const answer = embedding
    ? `,"embedding":${result.output}`
    : result.json && result.output.trim() !== 'null'
      ? `,"parsed":${result.output}`
      : '';
  return `${head.slice(0, -1)}${answer},${JSON.stringify(resultLineTail(item)).slice(1)}`;
}

/** What follows the answer on a result line. */
function resultLineTail(item: FinalItem) {
  const result = item.result!;
  const duplicate = item.firstLine !== null && item.firstLine !== item.line;
  return {
    provider: result.provider,
    model: result.model,
    mode: result.mode,
    strike: result.strike,
    cached: result.cached === true,
    ...(duplicate ? { duplicateOf: item.firstItemId } : {}),
    // A duplicate was not billed: its answer is the first occurrence's. A cache hit keeps the
    // usage of the run that paid for it, and costs 0 here.
    usage: duplicate ? { inputTokens: 0, outputTokens: 0 } : usageLine(result),
    costUsd: duplicate ? 0 : result.costUsd,
  };
}

/** A result line's usage: the prompt cache's tokens only where there were some (Anthropic). */
function usageLine(usage: TokenUsage): TokenUsage {
  const { inputTokens, outputTokens, cacheWriteTokens, cacheReadTokens } = usage;
  return {
    inputTokens,
    outputTokens,
    ...(cacheWriteTokens ? { cacheWriteTokens } : {}),
    ...(cacheReadTokens ? { cacheReadTokens } : {}),
  };
}

/** results.jsonl: one line per answered item. */
class JsonlResults extends JsonlWriter {
  constructor(
    path: string,
    private readonly embedding: boolean,
  ) {
    super(path);
  }
  add(item: FinalItem) {
    return this.writeLine(resultLine(item, this.embedding));
  }
}

type Split = RunReport['byModel'];

/** A split with each cost rounded to a millionth of a dollar, as the report's other costs are. */
function roundedSplit(split: Split): Split {
  return Object.fromEntries(
    Object.entries(split).map(([key, m]) => [key, { ...m, costUsd: Math.round(m.costUsd * 1e6) / 1e6 }]),
  );
}

/** Adds up what a run paid and what each lever saved, line by line. */
class CostBook {
  readonly byModel: RunReport['byModel'] = {};
  /** The same split by lane (a hybrid run's sync and batch answers) and by the provider that answered. */
  readonly byMode: RunReport['byMode'] = {};
  readonly byProvider: RunReport['byProvider'] = {};
  readonly savings = { batch: 0, dedup: 0, cache: 0, routing: 0, promptCache: 0 };
  /** Paid answers by model and lane: what a failover run's estimate is priced as (answered-estimate.ts). */
  readonly answeredBy: AnsweredBy = new Map();
  paid = 0;
  syncEquivalent = 0;
  naiveSync = 0;
  cacheHits = 0;
  tokens = { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 };
  private readonly model: string;
  constructor(private readonly spec: ResolvedSpec) {
    this.model = priceModelOf(spec);
  }
  /**
   * The levers as steps from the naive cost of a line down to what it cost, in a fixed order, so the
   * savings add up to naiveSync - billed: routing (the spec's model -> the answering one, at sync
   * prices), batch discount, prompt cache (in the lane it was answered), then a duplicate's or a
   * cache hit's whole remaining cost is what dedup or the answer cache saved.
   */
  add(item: FinalItem, duplicate: boolean) {
    const r = item.result!;
    const prices = this.spec.prices;
    const priced = priceModelFor(this.spec, r.model);
    const naive = uncachedCostUsd(this.model, 'sync', r, prices);
    const routed = uncachedCostUsd(priced, 'sync', r, prices);
    const inLane = uncachedCostUsd(priced, r.mode, r, prices);
    const lineCost = usageCostUsd(priced, r.mode, r, prices);
    this.naiveSync += naive;
    this.savings.routing += naive - routed;
    this.savings.batch += routed - inLane;
    this.savings.promptCache += inLane - lineCost;
    if (duplicate) {
      this.savings.dedup += lineCost;
      return;
    }
    if (r.cached) {
      this.cacheHits++;
      this.savings.cache += lineCost;
      return;
    }
    const cacheWrite = r.cacheWriteTokens ?? 0;
    const cacheRead = r.cacheReadTokens ?? 0;
    this.paid += r.costUsd;
    this.syncEquivalent += r.syncCostUsd;
    const lane = `${r.model}\n${r.mode}`;
    this.answeredBy.set(lane, (this.answeredBy.get(lane) ?? 0) + 1);
    this.tokens.input += r.inputTokens;
    this.tokens.output += r.outputTokens;
    this.tokens.cacheWrite += cacheWrite;
    this.tokens.cacheRead += cacheRead;
    for (const [split, key] of [
      [this.byModel, r.model],
      [this.byMode, r.mode],
      [this.byProvider, r.provider],
    ] as const) {
      const totals = (split[key] ??= {
        answers: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheWriteTokens: 0,
        cacheReadTokens: 0,
        costUsd: 0,
      });
      totals.answers++;
      totals.inputTokens += r.inputTokens;
      totals.outputTokens += r.outputTokens;
      totals.cacheWriteTokens += cacheWrite;
      totals.cacheReadTokens += cacheRead;
      totals.costUsd += r.costUsd;
    }
  }
}

/**
 * The original input records of dead-lettered lines, read lazily in one forward pass over the
 * input (dead letters come in input order), so a dead letter carries what a replay needs even
 * if the input changes later. The input is only read when the run has a dead letter.
 */
class InputRecords {
  private entries?: AsyncGenerator<DatasetEntry>;
  private current?: DatasetEntry;
  constructor(private readonly spec: ResolvedSpec) {}
  async at(line: number): Promise<Record<string, unknown> | undefined> {
    this.entries ??= readDataset(this.spec.inputPath, this.spec.inputFormat, this.spec.limits.maxItemBytes);
    while (!this.current || this.current.line < line) {
      const next = await this.entries.next();
      if (next.done) return undefined;
      this.current = next.value;
    }
    return this.current.line === line && 'record' in this.current ? this.current.record : undefined;
  }
}

/** Where each output file goes: under a local folder or an s3:// / gs:// prefix. */
function outputFiles(dir: string, format: ResolvedSpec['outputFormat']): RunReport['files'] {
  return {
    results: joinLocation(dir, format === 'parquet' ? 'results.parquet' : 'results.jsonl'),
    deadLetter: joinLocation(dir, 'dead-letter.jsonl'),
    rejected: joinLocation(dir, 'rejected.jsonl'),
    report: joinLocation(dir, 'report.json'),
    reportPage: joinLocation(dir, 'report.html'),
  };
}

type FinalizeWriter = ReturnType<typeof createFinalizeWriter>;

/**
 * To a bucket: written to a staging folder, then uploaded. A lost-lines failure still uploads what
 * was written first, as a local folder keeps it, so the numbers can be looked at.
 */
async function finalizeToObjectStorage(
  writer: FinalizeWriter,
  input: FinalizeInput,
  sink: PostgresSink | undefined,
): Promise<RunReport> {
  const { outputDir } = input.spec;
  return withStagingFolder(input.runId, async (staging) => {
    let report: RunReport;
    try {
      report = await writer.finalizeRun(input, staging, sink);
    } catch (error) {
      const failure = asOutputFailure(outputDir, error);
      const written = (error as { report?: RunReport }).report;
      if (written) await uploadOutputs(outputDir, uploadsOf(written.files, staging, outputDir));
      throw failure;
    }
    await uploadOutputs(outputDir, uploadsOf(report.files, staging, outputDir));
    return report;
  });
}

export function createFinalizeActivities(deps: ActivityDeps) {
  const writer = createFinalizeWriter(deps);
  return {
    /** Writes every output; a write that fails is an OutputWriteFailed (the run waits in finalize-failed). */
    async finalizeRun(input: FinalizeInput): Promise<RunReport> {
      // Opened here so that its connection is let go however the files fare (a failure already says where).
      const sink = await PostgresSink.open(input.spec, input.runId);
      try {
        if (isObjectUrl(assertOutputDir(input.spec.outputDir)))
          return await finalizeToObjectStorage(writer, input, sink);
        return await writer.finalizeRun(input, undefined, sink);
      } catch (error) {
        throw asOutputFailure(input.spec.outputDir, error);
      } finally {
        await sink?.release();
      }
    },
  };
}

// eslint-disable-next-line max-lines-per-function -- issue 27: written before the rule, to be split into named steps
function createFinalizeWriter({ store, clock = Date.now, metrics, webUiLink }: ActivityDeps) {
  return {
    /** `staging`: the local folder the files are written to when output.dir is a bucket prefix. */
    // eslint-disable-next-line max-lines-per-function -- issue 27: written before the rule, to be split into named steps
    async finalizeRun(
      { runId, spec, plan, startedAtMs, status = 'completed', error }: FinalizeInput,
      staging?: string,
      sink?: PostgresSink,
    ): Promise<RunReport> {
      // The report names where the files end up; `local` is where they are written now.
      const files = outputFiles(assertOutputDir(spec.outputDir), spec.outputFormat);
      const local = staging ? outputFiles(staging, spec.outputFormat) : files;
      mkdirSync(staging ?? spec.outputDir, { recursive: true });
      const inputRecords = new InputRecords(spec);
      const results =
        spec.outputFormat === 'parquet'
          ? new ParquetResults(local.results, spec.outputSchema)
          : new JsonlResults(local.results, spec.embed !== undefined);
      const deadLetters = new JsonlWriter(local.deadLetter);
      const rejected = new JsonlWriter(local.rejected);
      const totals = { items: 0, duplicates: 0 };
      const reasons = new DeadLetterReasons();
      const strikes = new StrikeCounter();
      const book = new CostBook(spec);
      // Reservations of batches that never settled (a failed chunk, a cancel) become what they cost.
      await store.spend.settleRun(runId);
      // Slots a failed or cancelled chunk could not give back would keep other runs waiting.
      await store.batchSlots.releaseRun(runId);
      await store.refreshStatistics();

      // The server reads the next page while this one is written out.
      const pages = store.finalItems(runId, PAGE);
      let nextPage = pages.next();
      for (;;) {
        const read = await nextPage;
        if (read.done) break;
        const page = read.value;
        const after = page[page.length - 1].line;
        const failuresOfPage = store.failuresFor(
          runId,
          page.filter((i) => i.dedupKey && !i.result).map((i) => i.dedupKey!),
        );
        nextPage = pages.next();
        // Awaited at the top of the loop; a failure before then must not count as unhandled.
        nextPage.catch(() => undefined);
        const failures = await failuresOfPage;
        for (const item of page) {
          totals.items++;
          if (!item.dedupKey) {
            await rejected.write({ line: item.line, ...(item.itemId ? { id: item.itemId } : {}), error: item.error });
            continue;
          }
          const duplicate = item.firstLine !== item.line;
          if (duplicate) totals.duplicates++;
          if (item.result) {
            await results.add(item);
            await sink?.add(item);
            book.add(item, duplicate);
            if (!duplicate && !item.result.cached) strikes.answered(item.result.strike);
            continue;
          }
          const attempts = attemptStrikes(failures.get(item.dedupKey) ?? []);
          const last = attempts[attempts.length - 1];
          const kind = last ? last.kind : 'missing_output';
          const reason = last ? `${last.kind}: ${last.error}` : 'no answer was received for this item';
          reasons.add(kind, { id: item.itemId, line: item.line, error: reason });
          if (!duplicate) strikes.deadLettered(attempts.map((a) => a.strike));
          await deadLetters.write({
            id: item.itemId,
            line: item.line,
            kind,
            reason,
            retryable: last ? last.retryable : true,
            ...(duplicate ? { duplicateOf: item.firstItemId } : {}),
            attempts: attempts.map((a) => ({ strike: a.strike, kind: a.kind, retryable: a.retryable, error: a.error })),
            record: await inputRecords.at(item.line).catch(() => undefined),
          });
        }
        heartbeat({ after });
      }
      await Promise.all([results.close(), deadLetters.close(), rejected.close()]);
      await sink?.commit();

      const round = (usd: number) => Math.round(usd * 1e6) / 1e6;
      const unconfirmed = await store.unconfirmedSyncCalls(runId);
      const failedAnswers = await store.failedAnswersCost(runId);
      const actual = round(book.paid + failedAnswers);
      const byProvider = roundedSplit(book.byProvider);
      const confirmed = confirmCosts(actual, byProvider, await store.batchUsage.byProvider(runId));
      const asAnswered = estimateAsAnswered(spec, plan, book.answeredBy);
      const estimate = asAnswered ?? plan.estimatedUsd;
      const problem = accountingProblem(plan.lines, {
        results: results.lines,
        deadLetters: deadLetters.lines,
        rejected: rejected.lines,
      });
      const report: RunReport = {
        runId,
        items: totals.items,
        succeeded: results.lines,
        deadLettered: deadLetters.lines,
        rejected: rejected.lines,
        duplicates: totals.duplicates,
        cacheHits: book.cacheHits,
        tokens: book.tokens,
        costUsd: {
          estimated: round(estimate.likely),
          estimatedRange: { min: round(estimate.min), max: round(estimate.max) },
          ...(asAnswered ? { estimatedPreflight: round(plan.estimatedUsd.likely) } : {}),
          // Everything the provider billed that we know of: answers kept, and answers that failed.
          actual,
          failedAnswers: round(failedAnswers),
          syncEquivalent: round(book.syncEquivalent),
          naiveSync: round(book.naiveSync),
          savings: {
            batch: round(book.savings.batch),
            dedup: round(book.savings.dedup),
            cache: round(book.savings.cache),
            routing: round(book.savings.routing),
            promptCache: round(book.savings.promptCache),
          },
          unconfirmed: round(unconfirmed.estimatedUsd),
          ...confirmed,
          ...(plan.sampleReused ? { sample: round(plan.sampleReused.costUsd) } : {}),
        },
        byMode: roundedSplit(book.byMode),
        byProvider,
        byModel: roundedSplit(book.byModel),
        ...(unconfirmed.calls ? { unconfirmedCalls: unconfirmed.calls } : {}),
        ...(plan.sampleReused ? { sampleAnswers: plan.sampleReused.answers } : {}),
        batches: await store.batchCount(runId),
        strikeFunnel: strikes.funnel,
        deadLetterReasons: reasons.byKind,
        batchTimeline: await store.batchTimeline(runId),
        batchesStopped: await store.stoppedBatches(runId),
        status: problem ? 'failed' : status,
        ...(problem || error ? { error: problem ?? error } : {}),
        durationMs: clock() - startedAtMs,
        provider: spec.provider,
        model: spec.model,
        outputDir: spec.outputDir,
        files,
      };
      writeFileSync(`${local.report}.partial`, JSON.stringify(report, null, 2) + '\n');
      renameSync(`${local.report}.partial`, local.report);
      // The page is a view of report.json: a page that cannot be written must not fail the run.
      try {
        writeReportPage(report, { webUiLink, path: local.reportPage });
      } catch (pageError) {
        log.warn(`report.html not written: ${(pageError as Error).message}`);
      }
      // Counted once per run, when the files are first written: a finalize that runs again writes the
      // same dead letters, not new ones.
      if (metrics && (await store.firstOutcomeCount(runId))) {
        for (const [kind, count] of reasons.counts()) metrics.deadLettered(kind, count);
        metrics.runFinished(report.status);
      }
      if (problem)
        throw Object.assign(
          ApplicationFailure.nonRetryable(`run ${runId} lost lines: ${problem}`, 'AccountingMismatch'),
          { report },
        );
      return report;
    },
  };
}
