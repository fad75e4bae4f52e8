// report.html: one self-contained page beside report.json, a view of it with charts. Chart.js is
// read from node_modules when the page is written and inlined, with the report as JSON and the
// small script that draws it; a Content-Security-Policy forbids the page any network request.
//
// Why Chart.js: the page is bar charts of every kind (stacked, floating bars for the waterfall and
// the timeline, two axes), which Chart.js draws natively; uPlot, smaller, is made for time series
// and would need hand-drawn bars. Chart.js is well kept (MIT, one UMD file, no dependencies at run
// time) and ~210 KB inlined.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunReport } from '../../common';
import { PAGE_SCRIPT } from './page-script';
import { PAGE_STYLE } from './page-style';

export interface PageLinks {
  /** The run (parent workflow) in the Temporal Web UI. */
  run?: string;
  /** The Web UI's list of the run's chunk workflows. */
  chunks?: string;
}

let chartJs: string | undefined;
/** Chart.js's UMD build, without its source-map comment (a devtools fetch the page must not ask for). */
function chartJsSource(): string {
  // The package exports only its module entry (dist/chart.cjs); the UMD build sits beside it.
  chartJs ??= readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8').replace(
    /\/\/# sourceMappingURL=.*$/m,
    '',
  );
  return chartJs;
}

/** JSON safe inside a <script> element: no `</script>`, no `<!--`, no line separators that end JS strings. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The Web UI links of a run from the page of a workflow id: the run itself and its chunks' list. */
export function runLinks(runId: string, webUiLink?: (workflowId: string) => string): PageLinks {
  if (!webUiLink) return {};
  const run = webUiLink(runId);
  const list = run.slice(0, run.lastIndexOf('/'));
  return { run, chunks: `${list}?query=${encodeURIComponent(`WorkflowId STARTS_WITH "${runId}/"`)}` };
}

export function reportPageHtml(report: RunReport, links: PageLinks = {}): string {
  const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>llmbatch run ${escapeHtml(report.runId)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>llmbatch run <span id="run-id"></span></h1><div id="summary"></div></header>
<main id="main"></main>
<script type="application/json" id="report-data">${scriptSafeJson({ report, links })}</script>
<script>${chartJsSource()}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * Writes report.html (under a temporary name, then renamed) and returns its path: `path`, else
 * beside the report's report.json.
 */
export function writeReportPage(
  report: RunReport,
  options: { webUiLink?: (workflowId: string) => string; path?: string } = {},
): string {
  const path = options.path ?? report.files.reportPage ?? join(dirname(report.files.report), 'report.html');
  writeFileSync(`${path}.partial`, reportPageHtml(report, runLinks(report.runId, options.webUiLink)));
  renameSync(`${path}.partial`, path);
  return path;
}
