// Finalize: write the four output files of INTERFACE.md from the store, in input order, page by
// page. Files are written under temporary names and renamed, so a crash never leaves half a file;
// the report's counts are the lines actually written.
import { heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { isObjectUrl, type PlanSummary, type ResolvedSpec, type RunReport, type RunStatus } from '../../common';
import type { RunStore } from '../../store';
import { assertOutputDir } from '../plan/output-guard';
import type { ActivityDeps } from '../deps';
import type { DeadLetterReasons } from './report-facts';
import { writeReportPage } from '../report-page';
import { asOutputFailure } from './output-failure';
import { joinLocation } from '../object-store/location';
import { uploadOutputs, uploadsOf, withStagingFolder } from '../outputs/object-output';
import { PostgresSink } from '../outputs/postgres-sink';
import { FinalLines } from './final-lines';
import { runReport } from './run-report';

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

/** Reservations and slots the run still holds, let go of before its final figures are read. */
async function releaseRunHolds(store: RunStore, runId: string) {
  // Reservations of batches that never settled (a failed chunk, a cancel) become what they cost.
  await store.spend.settleRun(runId);
  // Slots a failed or cancelled chunk could not give back would keep other runs waiting.
  await store.batchSlots.releaseRun(runId);
  await store.refreshStatistics();
}

/** Every final item, in input order, into its line file; the heartbeat says how far it got. */
async function writeEveryLine(store: RunStore, runId: string, lines: FinalLines) {
  // The server reads the next page while this one is written out.
  const pages = store.results.finalItems(runId, PAGE);
  let nextPage = pages.next();
  for (;;) {
    const read = await nextPage;
    if (read.done) break;
    const page = read.value;
    const after = page[page.length - 1].line;
    const failuresOfPage = store.results.failuresFor(
      runId,
      page.filter((i) => i.dedupKey && !i.result).map((i) => i.dedupKey!),
    );
    nextPage = pages.next();
    // Awaited at the top of the loop; a failure before then must not count as unhandled.
    nextPage.catch(() => undefined);
    const failures = await failuresOfPage;
    for (const item of page) await lines.add(item, failures);
    heartbeat({ after });
  }
}

function writeReportFiles(report: RunReport, local: RunReport['files'], webUiLink: ActivityDeps['webUiLink']) {
  writeFileSync(`${local.report}.partial`, JSON.stringify(report, null, 2) + '\n');
  renameSync(`${local.report}.partial`, local.report);
  // The page is a view of report.json: a page that cannot be written must not fail the run.
  try {
    writeReportPage(report, { webUiLink, path: local.reportPage });
  } catch (pageError) {
    log.warn(`report.html not written: ${(pageError as Error).message}`);
  }
}

async function countOutcomeOnce(
  { store, metrics }: ActivityDeps,
  runId: string,
  reasons: DeadLetterReasons,
  status: RunReport['status'],
) {
  // Counted once per run, when the files are first written: a finalize that runs again writes the
  // same dead letters, not new ones.
  if (metrics && (await store.results.firstOutcomeCount(runId))) {
    for (const [kind, count] of reasons.counts()) metrics.deadLettered(kind, count);
    metrics.runFinished(status);
  }
}

function createFinalizeWriter(deps: ActivityDeps) {
  const { store, clock = Date.now, webUiLink } = deps;
  return {
    /** `staging`: the local folder the files are written to when output.dir is a bucket prefix. */
    async finalizeRun(
      { runId, spec, plan, startedAtMs, status = 'completed', error }: FinalizeInput,
      staging?: string,
      sink?: PostgresSink,
    ): Promise<RunReport> {
      // The report names where the files end up; `local` is where they are written now.
      const files = outputFiles(assertOutputDir(spec.outputDir), spec.outputFormat);
      const local = staging ? outputFiles(staging, spec.outputFormat) : files;
      mkdirSync(staging ?? spec.outputDir, { recursive: true });
      const lines = new FinalLines(spec, local, sink);
      await releaseRunHolds(store, runId);
      await writeEveryLine(store, runId, lines);
      await lines.close();
      const problem = accountingProblem(plan.lines, {
        results: lines.results.lines,
        deadLetters: lines.deadLetters.lines,
        rejected: lines.rejected.lines,
      });
      const run = { runId, spec, plan, startedAtMs, status, error, problem, files };
      const report = await runReport(store, clock, lines, run);
      writeReportFiles(report, local, webUiLink);
      await countOutcomeOnce(deps, runId, lines.reasons, report.status);
      if (problem)
        throw Object.assign(
          ApplicationFailure.nonRetryable(`run ${runId} lost lines: ${problem}`, 'AccountingMismatch'),
          { report },
        );
      return report;
    },
  };
}
