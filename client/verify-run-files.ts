// Checks the promise of INTERFACE.md on a finished run's files: every input line in exactly one
// of results / dead-letter / rejected, results in input order, report counts equal to the files.
// The demo prints it; tests assert it.
import { readFileSync } from 'node:fs';
import type { RunReport } from '../common';

export interface RunFilesCheck {
  ok: boolean;
  problems: string[];
  inputLines: number;
  results: number;
  deadLetters: number;
  rejected: number;
}

function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `idField` names the spec's id field; without it ids are line numbers. JSONL input only. */
export function verifyRunFiles(report: RunReport, inputPath: string, idField?: string): RunFilesCheck {
  const problems: string[] = [];
  const inputLines = readFileSync(inputPath, 'utf8').split('\n');
  if (inputLines[inputLines.length - 1] === '') inputLines.pop();
  const lineOfId = new Map<string, number>();
  inputLines.forEach((text, index) => {
    let id = String(index + 1);
    if (idField) {
      try {
        const value = (JSON.parse(text) as Record<string, unknown>)[idField];
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the same String() plan applies to a scalar id
        if (value !== undefined) id = String(value);
      } catch {
        return;
      }
    }
    lineOfId.set(id, index + 1);
  });
  const results = readJsonl(report.files.results);
  const deadLetters = readJsonl(report.files.deadLetter);
  const rejected = readJsonl(report.files.rejected);

  const seen = new Map<number, string>();
  const mark = (line: number | undefined, where: string) => {
    if (line === undefined) return problems.push(`${where}: names no known input line`);
    const before = seen.get(line);
    if (before) problems.push(`input line ${line} is in ${before} and in ${where}`);
    seen.set(line, where);
  };
  let previous = 0;
  for (const r of results) {
    const line = lineOfId.get(String(r.id));
    mark(line, 'results.jsonl');
    if (line !== undefined && line < previous)
      problems.push(`results.jsonl is out of input order at id ${String(r.id)}`);
    previous = line ?? previous;
  }
  for (const d of deadLetters)
    mark(typeof d.line === 'number' ? d.line : lineOfId.get(String(d.id)), 'dead-letter.jsonl');
  for (const r of rejected) mark(r.line as number, 'rejected.jsonl');
  for (let line = 1; line <= inputLines.length; line++) {
    if (!seen.has(line)) problems.push(`input line ${line} is in no output file`);
  }
  if (report.items !== inputLines.length)
    problems.push(`report.items ${report.items} != ${inputLines.length} input lines`);
  if (report.succeeded !== results.length)
    problems.push(`report.succeeded ${report.succeeded} != ${results.length} results`);
  if (report.deadLettered !== deadLetters.length)
    problems.push(`report.deadLettered ${report.deadLettered} != ${deadLetters.length} dead letters`);
  if (report.rejected !== rejected.length)
    problems.push(`report.rejected ${report.rejected} != ${rejected.length} rejected lines`);
  return {
    ok: problems.length === 0,
    problems: problems.slice(0, 20),
    inputLines: inputLines.length,
    results: results.length,
    deadLetters: deadLetters.length,
    rejected: rejected.length,
  };
}
