// The line files of a run: every planned line goes to exactly one of results, dead-letter and
// rejected, and what the report says of them (costs, strikes, dead-letter reasons) is counted as
// each line is written, so the report never disagrees with the files.
import type { ResolvedSpec, RunReport } from '../../common';
import type { FailureRow, FinalItem } from '../../store';
import { readDataset, type DatasetEntry } from '../inputs/dataset';
import { DeadLetterReasons, StrikeCounter, attemptStrikes } from './report-facts';
import { CostBook } from './cost-book';
import { JsonlWriter } from '../outputs/jsonl-writer';
import { JsonlResults } from '../outputs/jsonl-results';
import { ParquetResults } from '../outputs/parquet-results';
import type { PostgresSink } from '../outputs/postgres-sink';

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

export class FinalLines {
  readonly results: JsonlResults | ParquetResults;
  readonly deadLetters: JsonlWriter;
  readonly rejected: JsonlWriter;
  readonly totals = { items: 0, duplicates: 0 };
  readonly reasons = new DeadLetterReasons();
  readonly strikes = new StrikeCounter();
  readonly book: CostBook;
  private readonly inputRecords: InputRecords;

  /** `files`: where the lines are written now (a staging folder when output.dir is a bucket). */
  constructor(
    spec: ResolvedSpec,
    files: RunReport['files'],
    private readonly sink?: PostgresSink,
  ) {
    this.inputRecords = new InputRecords(spec);
    this.results =
      spec.outputFormat === 'parquet'
        ? new ParquetResults(files.results, spec.outputSchema)
        : new JsonlResults(files.results, spec.embed !== undefined);
    this.deadLetters = new JsonlWriter(files.deadLetter);
    this.rejected = new JsonlWriter(files.rejected);
    this.book = new CostBook(spec);
  }

  /** `failures`: the failed attempts of the item's page, by dedup key. */
  async add(item: FinalItem, failures: Map<string, FailureRow[]>) {
    this.totals.items++;
    if (!item.dedupKey) {
      await this.rejected.write({ line: item.line, ...(item.itemId ? { id: item.itemId } : {}), error: item.error });
      return;
    }
    const duplicate = item.firstLine !== item.line;
    if (duplicate) this.totals.duplicates++;
    if (item.result) await this.addAnswered(item, duplicate);
    else await this.addDeadLetter(item, duplicate, failures.get(item.dedupKey) ?? []);
  }

  /** Every file complete and renamed into place, and the sink's rows committed. */
  async close() {
    await Promise.all([this.results.close(), this.deadLetters.close(), this.rejected.close()]);
    await this.sink?.commit();
  }

  private async addAnswered(item: FinalItem, duplicate: boolean) {
    await this.results.add(item);
    await this.sink?.add(item);
    this.book.add(item, duplicate);
    if (!duplicate && !item.result!.cached) this.strikes.answered(item.result!.strike);
  }

  private async addDeadLetter(item: FinalItem, duplicate: boolean, failures: FailureRow[]) {
    const attempts = attemptStrikes(failures);
    const last = attempts[attempts.length - 1];
    const kind = last ? last.kind : 'missing_output';
    const reason = last ? `${last.kind}: ${last.error}` : 'no answer was received for this item';
    this.reasons.add(kind, { id: item.itemId, line: item.line, error: reason });
    if (!duplicate) this.strikes.deadLettered(attempts.map((a) => a.strike));
    await this.deadLetters.write({
      id: item.itemId,
      line: item.line,
      kind,
      reason,
      retryable: last ? last.retryable : true,
      ...(duplicate ? { duplicateOf: item.firstItemId } : {}),
      attempts: attempts.map((a) => ({ strike: a.strike, kind: a.kind, retryable: a.retryable, error: a.error })),
      record: await this.inputRecords.at(item.line).catch(() => undefined),
    });
  }
}
