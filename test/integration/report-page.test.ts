// A real run with transient and permanent item failures, a duplicate every 10 lines and two broken
// input lines, so every chart of report.html has data: the page written at the end is opened in
// Debian's Chromium from file:// (no console error, no network request, every chart drawn, each
// figure equal to report.json's); `llmbatch report` rewrites it from a run id or a folder, and
// `llmbatch runs` lists the run once, with its report, and none of its chunks. Screenshots go to
// test/artifacts/report-page-run.png.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import type { RunReport } from '../../common';
import { cli } from '../support/cli';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { CHROMIUM, figureValue, lookAtReportPage, reportValue } from '../support/report-page-browser';

const FAST = { validatingMs: 20, completionMs: 150 };
const withChromium = CHROMIUM ? it : it.skip;

describe('report.html and llmbatch runs after a real run', () => {
  let h: Harness;
  let runId: string;
  let report: RunReport;
  beforeAll(async () => {
    h = await startHarness({
      profile: { seed: 5, batch: FAST, items: { retryableErrorRate: 0.3, permanentErrorRate: 0.05 } },
    });
    writeTickets(join(h.dir, 'mixed.jsonl'), 240, { duplicateEvery: 10, invalidJsonLines: [7, 99] });
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          name: 'mixed',
          input: 'mixed.jsonl',
          output: { dir: 'out-mixed' },
          chunkSize: 60,
          retry: { strike2Delay: '50ms', strike3Delay: '50ms', syncBackoff: '10ms' },
        }),
        'mixed.yaml',
      ),
    );
    runId = `it-report-${Date.now()}`;
    report = await (await startRun(h.client, spec, { taskQueue: h.taskQueue, runId })).result();
  });
  afterAll(async () => h?.close());

  it('ends with data for every chart', () => {
    expect(report.status).toBe('completed');
    expect(report.deadLettered).toBeGreaterThan(0);
    expect(report.rejected).toBe(2);
    expect(report.strikeFunnel!.strike3).toBeGreaterThan(0);
    expect(Object.keys(report.deadLetterReasons!)).toContain('invalid_request');
    // Every batch on the timeline was seen done by a poll, after it was created.
    expect(report.batchTimeline!.length).toBe(report.batches);
    for (const b of report.batchTimeline!) expect(b.doneAtMs).toBeGreaterThanOrEqual(b.createdAtMs);
    expect(report.files.reportPage).toBe(join(dirname(report.files.report), 'report.html'));
    // The savings reconcile: the waterfall from naive sync lands on the bill, lever by lever.
    const { naiveSync, actual, failedAnswers, savings } = report.costUsd;
    const saved = Object.values(savings).reduce((a, b) => a + b, 0);
    expect(Math.abs(naiveSync - saved + failedAnswers - actual)).toBeLessThan(1e-5);
  });

  withChromium('writes report.html that shows report.json, offline, every chart drawn', async () => {
    const onDisk = JSON.parse(readFileSync(report.files.report, 'utf8')) as RunReport;
    const look = await lookAtReportPage(report.files.reportPage!, 'report-page-run');
    expect(look.consoleErrors).toEqual([]);
    expect(look.requests).toEqual([]);
    for (const [id, chart] of Object.entries(look.charts)) {
      expect({ id, drawn: chart.points > 0 && chart.paintedPixels > 500 }).toEqual({ id, drawn: true });
    }
    expect(Object.keys(look.charts)).toEqual(
      expect.arrayContaining(['chart-accounting', 'chart-funnel', 'chart-waterfall', 'chart-timeline']),
    );
    expect(Object.keys(look.charts)).toEqual(expect.arrayContaining(['chart-dead-letters', 'chart-byModel']));
    for (const figure of look.figures) {
      expect({ path: figure.path, shown: figureValue(figure.text) }).toEqual({
        path: figure.path,
        shown: reportValue(onDisk, figure.path),
      });
    }
    expect(look.figures.map((f) => f.path.join('.'))).toEqual(
      expect.arrayContaining([
        'succeeded',
        'deadLettered',
        'rejected',
        'items',
        'costUsd.actual',
        'strikeFunnel.strike2',
      ]),
    );
    expect(look.text).not.toContain('not explained');
    expect(look.links[0]).toMatch(new RegExp(`/namespaces/default/workflows/${runId}$`));
  });

  it('`llmbatch report` rewrites the page from a run id or from its folder and prints its path', async () => {
    rmSync(report.files.reportPage!);
    const byId = await cli(['report', runId]);
    expect(byId).toMatchObject({ code: 0, stderr: '' });
    expect(byId.stdout.trim()).toBe(report.files.reportPage);
    expect(existsSync(report.files.reportPage!)).toBe(true);

    const byFolder = await cli(['report', dirname(report.files.report)]);
    expect(byFolder.stdout.trim()).toBe(report.files.reportPage);

    const unknown = await cli(['report', 'no-such-run']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('llmbatch: no run with id "no-such-run"');
  });

  it('`llmbatch runs` shows the run once, with its counts, cost and report, and none of its chunks', async () => {
    const listed = await cli(['runs', '--json', '--limit', '50']);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const { runs, webUi } = JSON.parse(listed.stdout) as {
      runs: {
        runId: string;
        state: string;
        items: number;
        results: number;
        deadLetters: number;
        costUsd: number;
        report: string;
      }[];
      webUi: string;
    };
    expect(runs.filter((r) => r.runId.includes('/chunk'))).toEqual([]);
    expect(runs.filter((r) => r.runId === runId)).toEqual([
      expect.objectContaining({
        state: 'COMPLETED',
        items: report.items,
        results: report.succeeded,
        deadLetters: report.deadLettered,
        costUsd: report.costUsd.actual,
        report: report.files.reportPage,
      }),
    ]);
    expect(decodeURIComponent(webUi)).toContain(`query=WorkflowType = 'batchRunWorkflow'`);

    // Other test files' runs share the server: this run's line is found by its id.
    const text = await cli(['runs', '--limit', '50']);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['RUN', 'STATE', 'ITEMS', 'RESULTS', 'DEAD', 'COST', 'STARTED', 'REPORT']);
    const ours = lines.filter((line) => line.includes(runId));
    expect(ours).toHaveLength(1);
    expect(ours[0].split(/\s+/)).toEqual([
      runId,
      'COMPLETED',
      String(report.items),
      String(report.succeeded),
      String(report.deadLettered),
      `$${report.costUsd.actual.toFixed(4)}`,
      expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      report.files.reportPage,
    ]);
    expect(lines[lines.length - 1]).toMatch(/^Web UI, runs without their chunks: http/);
  });
});
