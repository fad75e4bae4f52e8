// `run --wait`: follows a run through its progress query until it ends. A cli-progress bar when
// stdout is a terminal (and not CI); otherwise a plain line every few seconds.
import { SingleBar, Presets } from 'cli-progress';
import { ApplicationFailure, type WorkflowHandle } from '@temporalio/client';
import type { RunProgress, RunReport } from '../common';
import { progressQuery, type batchRunWorkflow } from '../workflows';

export interface WaitOptions {
  /** Show progress at all (off for --json). */
  show: boolean;
  intervalMs?: number;
  out?: NodeJS.WriteStream;
}

function describe(p: RunProgress): string {
  return `${p.phase}: chunks ${p.chunks.done}/${p.chunks.total}, answered ${p.succeeded}, failed ${p.deadLettered}, rejected ${p.rejected}, $${p.costUsd.toFixed(4)}`;
}

export async function waitForRun(
  handle: WorkflowHandle<typeof batchRunWorkflow>,
  options: WaitOptions,
): Promise<RunReport> {
  const out = options.out ?? process.stdout;
  const interactive = options.show && out.isTTY && !process.env.CI;
  const bar = interactive
    ? new SingleBar(
        {
          format:
            ' {bar} {percentage}% | {value}/{total} requests | failed {failed} | chunks {chunks} | ${cost} | {phase}',
          hideCursor: true,
        },
        Presets.shades_classic,
      )
    : undefined;
  let started = false;
  let lastLine = 0;
  const result = handle.result();
  let finished = false;
  void result.then(
    () => (finished = true),
    () => (finished = true),
  );
  try {
    while (!finished) {
      try {
        const p = await handle.query(progressQuery);
        const total = Math.max(1, p.items - p.rejected - p.duplicates);
        const payload = {
          failed: p.deadLettered,
          chunks: `${p.chunks.done}/${p.chunks.total}`,
          cost: p.costUsd.toFixed(4),
          phase: p.phase,
        };
        if (bar) {
          if (!started) bar.start(total, 0, payload);
          started = true;
          bar.setTotal(total);
          bar.update(p.succeeded + p.deadLettered, payload);
        } else if (options.show && Date.now() - lastLine > 5000) {
          out.write(`${describe(p)}\n`);
          lastLine = Date.now();
        }
      } catch {
        // The worker may be restarting; the run goes on in Temporal, so keep waiting.
      }
      await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, options.intervalMs ?? 500))]);
    }
    const report = await result;
    if (bar && started) {
      const last = await handle.query(progressQuery).catch(() => undefined);
      const chunks = last ? `${last.chunks.done}/${last.chunks.total}` : 'all';
      bar.update(report.succeeded + report.deadLettered - report.duplicates, { phase: 'completed', chunks });
    }
    return report;
  } finally {
    bar?.stop();
  }
}

/** The report a failed run carries in its failure's details (the run wrote its files before failing). */
export function failedRunReport(error: unknown): RunReport | undefined {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && current.type === 'RunFailed') {
      const report = current.details?.[0] as RunReport | undefined;
      return report && typeof report === 'object' && 'runId' in report ? report : undefined;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function formatReport(report: RunReport, link: string): string {
  const usd = (n: number) => `$${n.toFixed(4)}`;
  const saved = report.costUsd.syncEquivalent - report.costUsd.actual;
  const unconfirmed = report.costUsd.unconfirmed
    ? `\n  unconfirmed  ${usd(report.costUsd.unconfirmed)} at most, for ${report.unconfirmedCalls ?? 0} sync calls whose answers were lost (a crash); they may have been billed`
    : '';
  return [
    `run ${report.runId} ${report.status ?? 'completed'} in ${(report.durationMs / 1000).toFixed(1)} s${report.error ? `: ${report.error}` : ''}`,
    `  items ${report.items}: ${report.succeeded} results (${report.duplicates} duplicates), ${report.deadLettered} dead-lettered, ${report.rejected} rejected`,
    `  tokens ${report.tokens.input} in / ${report.tokens.output} out in ${report.batches} batches`,
    `  cost ${usd(report.costUsd.actual)} (estimated ${usd(report.costUsd.estimated)}; sync would cost ${usd(report.costUsd.syncEquivalent)}, saved ${usd(saved)})${unconfirmed}`,
    `  results      ${report.files.results}`,
    `  dead letters ${report.files.deadLetter}`,
    `  rejected     ${report.files.rejected}`,
    `  report       ${report.files.report}`,
    `  Web UI       ${link}`,
  ].join('\n');
}
