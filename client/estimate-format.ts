// `llmbatch estimate` for people: what a run of the spec would send and cost, the run's own mode
// marked, what a sample measured, the budget's verdict and, with --compare, every model's price for
// the same tokens. Pure, so the texts users read are unit-tested.
import type { EstimateReport } from '../common';

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const cents = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const subCents = new Intl.NumberFormat('en-US', { minimumFractionDigits: 4, maximumFractionDigits: 4 });

/** Dollars as people read them: 4 decimals under $1 (a run of a few items costs fractions of a cent), 2 above. */
export function formatUsd(usd: number): string {
  // Decided on the rounded figure, so $0.99996 reads $1.00 rather than $1.0000.
  return `$${(Math.abs(Math.round(usd * 1e4)) < 1e4 ? subCents : cents).format(usd)}`;
}

function n(value: number): string {
  return count.format(value);
}

function plural(value: number, one: string, many = `${one}s`): string {
  return `${n(value)} ${value === 1 ? one : many}`;
}

function costLine(label: string, range: { min: number; likely: number; max: number }, mark: string): string {
  const spread = range.min === range.max ? '' : `, between ${formatUsd(range.min)} and ${formatUsd(range.max)}`;
  return `  ${label} likely ${formatUsd(range.likely)}${spread}${mark}`;
}

function budgetLine(budget: NonNullable<EstimateReport['budget']>): string {
  const caps = [
    budget.maxUsd !== undefined ? `maxUsd ${formatUsd(budget.maxUsd)}` : undefined,
    budget.dailyUsd !== undefined ? `dailyUsd ${formatUsd(budget.dailyUsd)}` : undefined,
    budget.monthlyUsd !== undefined ? `monthlyUsd ${formatUsd(budget.monthlyUsd)}` : undefined,
  ].filter((cap): cap is string => cap !== undefined);
  const verdict = budget.refused ? `REFUSED: ${budget.refused}` : 'fits';
  return `  budget: ${caps.length ? `${caps.join(', ')} ` : ''}${verdict}`;
}

function compareTable(report: EstimateReport, compare: NonNullable<EstimateReport['compare']>): string[] {
  const rows = [...compare].sort((a, b) => a.batchUsd - b.batchUsd || a.model.localeCompare(b.model));
  const cells = rows.map((row) => ({
    mark: row.model === report.model ? '*' : ' ',
    model: row.model,
    batch: formatUsd(row.batchUsd),
    sync: formatUsd(row.syncUsd),
    note: row.model === report.model ? '  <- this spec' : '',
  }));
  const width = (header: string, values: string[]) => Math.max(header.length, ...values.map((v) => v.length));
  const modelWidth = width(
    'model',
    cells.map((c) => c.model),
  );
  const batchWidth = width(
    'batch',
    cells.map((c) => c.batch),
  );
  const syncWidth = width(
    'sync',
    cells.map((c) => c.sync),
  );
  const line = (mark: string, model: string, batch: string, sync: string, note: string) =>
    `  ${mark} ${model.padEnd(modelWidth)}  ${batch.padStart(batchWidth)}  ${sync.padStart(syncWidth)}${note}`;
  return [
    `  the same requests with every model of the pricing table (likely cost, cheapest batch first):`,
    line(' ', 'model', 'batch', 'sync', ''),
    ...cells.map((c) => line(c.mark, c.model, c.batch, c.sync, c.note)),
  ];
}

/**
 * The human form of an estimate. `name` is the spec's name (the report does not carry it); the run's
 * mode is marked on its cost line, a hybrid run's on both.
 */
export function formatEstimate(report: EstimateReport, name?: string): string {
  const mark = (mode: 'batch' | 'sync') =>
    report.mode === mode ? ' (this run)' : report.mode === 'hybrid' ? ' (hybrid: part of this run)' : '';
  const output = report.tokens.output;
  const lines = [
    `estimate${name ? ` for ${name}` : ''}: ${report.provider}/${report.model} ${report.mode}`,
    `  ${plural(report.items, 'line')}: ${n(report.rejected)} rejected, ${plural(report.duplicates, 'duplicate')}, ` +
      `${plural(report.cacheHits, 'cache hit')} -> ${plural(report.requests, 'request')} in ${plural(report.chunks, 'chunk')}`,
    `  tokens: input ${n(report.tokens.input)} (${report.sample ? 'counted, scaled to the sample' : 'counted'}); output likely ${n(output.likely)}${report.sample ? ' (measured)' : ''}, ` +
      `at most ${n(output.max)} (maxTokens ${n(report.maxTokens)})`,
    costLine('batch:', report.costUsd.batch, mark('batch')),
    costLine('sync: ', report.costUsd.sync, mark('sync')),
  ];
  const sample = report.sample;
  if (sample) {
    const answered = sample.answered < report.sampled ? `, ${n(sample.answered)} answered` : '';
    lines.push(
      `  measured on a sample of ${plural(report.sampled, 'item')} (run ${sample.runId}, ${formatUsd(sample.costUsd)}${answered}): ` +
        `${oneDecimal.format(sample.outputTokensPerItem)} output tokens an item, input x${sample.inputCalibration.toFixed(2)} of our count`,
      `    the sample's answers: ${sample.outputDir}`,
    );
  }
  if (report.budget) lines.push(budgetLine(report.budget));
  if (report.compare?.length) lines.push(...compareTable(report, report.compare));
  return lines.join('\n');
}
