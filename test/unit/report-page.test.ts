// report.html in a real browser, from a report whose ids and error texts try to inject markup: the
// page draws every chart, asks for nothing over the network, shows each figure as report.json has
// it, and shows the hostile texts as text.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeHtml, scriptSafeJson, writeReportPage } from '../../activities/report-page';
import type { RunReport } from '../../common';
import { CHROMIUM, figureValue, lookAtReportPage, reportValue } from '../support/report-page-browser';

const HOSTILE = `</script><img src=x onerror="document.title='pwned'">`;

function sampleReport(dir: string): RunReport {
  const totals = (answers: number, costUsd: number) => ({
    answers,
    inputTokens: answers * 120,
    outputTokens: answers * 30,
    cacheWriteTokens: 0,
    cacheReadTokens: 0,
    costUsd,
  });
  const t0 = Date.UTC(2026, 1, 1, 12);
  return {
    runId: `run-${HOSTILE}`,
    items: 100,
    succeeded: 90,
    deadLettered: 7,
    rejected: 3,
    duplicates: 10,
    cacheHits: 0,
    tokens: { input: 9600, output: 2400, cacheWrite: 0, cacheRead: 0 },
    costUsd: {
      estimated: 0.0042,
      estimatedRange: { min: 0.003, max: 0.006 },
      actual: 0.003456,
      failedAnswers: 0.000123,
      syncEquivalent: 0.006666,
      naiveSync: 0.0075,
      savings: { batch: 0.003333, dedup: 0.000711, cache: 0, routing: 0, promptCache: 0 },
      unconfirmed: 0,
    },
    byModel: { 'gpt-4.1-mini': totals(80, 0.003333) },
    byMode: { batch: totals(75, 0.003), sync: totals(5, 0.000333) },
    byProvider: { openai: totals(80, 0.003333) },
    batches: 3,
    strikeFunnel: { strike1: 87, strike2: 12, strike3: 6, deadLettered: 7 },
    deadLetterReasons: {
      invalid_request: { count: 5, samples: [{ id: HOSTILE, line: 4, error: `invalid_request: ${HOSTILE}` }] },
      rate_limit: { count: 2, samples: [{ id: null, line: 9, error: 'rate_limit: 429 slow down' }] },
    },
    batchTimeline: [
      {
        chunk: 0,
        strike: 1,
        status: 'completed',
        attempt: 1,
        createdAtMs: t0,
        runningAtMs: t0 + 500,
        providerEndedAtMs: t0 + 3000,
        doneAtMs: t0 + 3400,
      },
      {
        chunk: 1,
        strike: 1,
        status: 'completed',
        attempt: 1,
        createdAtMs: t0 + 200,
        runningAtMs: t0 + 900,
        providerEndedAtMs: t0 + 4000,
        doneAtMs: t0 + 4100,
      },
      {
        chunk: 0,
        strike: 2,
        status: 'completed',
        attempt: 1,
        createdAtMs: t0 + 5000,
        providerEndedAtMs: t0 + 6000,
        doneAtMs: t0 + 7000,
      },
    ],
    batchesStopped: { deadline: 0, stalled: 0 },
    status: 'completed',
    durationMs: 12_000,
    provider: 'openai',
    model: 'gpt-4.1-mini',
    outputDir: dir,
    files: {
      results: join(dir, 'results.jsonl'),
      deadLetter: join(dir, 'dead-letter.jsonl'),
      rejected: join(dir, 'rejected.jsonl'),
      report: join(dir, 'report.json'),
    },
  };
}

describe('report.html', () => {
  it('keeps report texts out of the markup', () => {
    expect(escapeHtml(HOSTILE)).not.toMatch(/[<>"]/);
    expect(scriptSafeJson({ id: HOSTILE, sep: '\u2028' })).not.toMatch(/<|>|\u2028/);
  });

  (CHROMIUM ? it : it.skip)(
    'draws every chart from the embedded report, offline, with the figures of report.json',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'llmbatch-report-page-'));
      const report = sampleReport(dir);
      const path = writeReportPage(report, {
        webUiLink: (id) => `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(id)}`,
      });
      expect(path).toBe(join(dir, 'report.html'));
      const html = readFileSync(path, 'utf8');
      expect(html).not.toContain(HOSTILE);
      expect(html.length).toBeLessThan(300_000);

      const look = await lookAtReportPage(path, 'report-page-unit');
      expect(look.consoleErrors).toEqual([]);
      expect(look.requests).toEqual([]);
      expect(Object.keys(look.charts).sort()).toEqual(
        [
          'chart-accounting',
          'chart-byMode',
          'chart-byModel',
          'chart-byProvider',
          'chart-dead-letters',
          'chart-funnel',
          'chart-timeline',
          'chart-waterfall',
        ].sort(),
      );
      for (const [id, chart] of Object.entries(look.charts)) {
        expect({ id, drawn: chart.points > 0 && chart.paintedPixels > 500 }).toEqual({ id, drawn: true });
      }
      expect(look.figures.length).toBeGreaterThan(30);
      for (const figure of look.figures) {
        expect({ path: figure.path, shown: figureValue(figure.text) }).toEqual({
          path: figure.path,
          shown: reportValue(report, figure.path),
        });
      }
      // The hostile id is shown as text, and the Web UI links point at the run and its chunks.
      expect(look.text).toContain(HOSTILE);
      expect(look.links[0]).toBe(
        `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(report.runId)}`,
      );
      expect(decodeURIComponent(look.links[1])).toContain(`WorkflowId STARTS_WITH "${report.runId}/"`);
    },
  );
});
