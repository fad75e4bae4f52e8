// The Web UI tells the truth: after a run completes, the Temporal Web UI (the one `temporal server
// start-dev` serves, UI 2.42.1 with CLI 1.5.1) shows the report's counts, read in a real browser.
// The list filtered by `LlmRunId` shows the run with its search attributes as columns, and the
// run's page shows the summary, the current details and the search attributes. The jest dev server
// is headless, so this test starts a dev server of its own with the UI. Needs Chromium (Debian's
// package, driven by playwright-core); without it the test is skipped. Screenshots go to
// test/artifacts/web-ui-*.png.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import type { ResolvedSpec, RunReport } from '../../common';
import { freePort, startDevServer, type DevServer } from '../../dev/dev-server';
import { cli } from '../support/cli';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';

const CHROMIUM = [process.env.LLMBATCH_CHROMIUM, '/usr/bin/chromium'].find((path) => path && existsSync(path));
const ARTIFACTS = join(__dirname, '..', 'artifacts');
/** How long the single-page app gets to show something. */
const UI_WAIT_MS = 30_000;
/** The columns a person adds with the list's gear (kept per namespace in the browser's localStorage). */
const LIST_COLUMNS = [
  'Status',
  'Workflow ID',
  'Type',
  'LlmPhase',
  'LlmItemsTotal',
  'LlmItemsDone',
  'LlmItemsFailed',
  'LlmCostUsd',
  'End',
];

const NO_CHROMIUM = 'skipped: no Chromium at LLMBATCH_CHROMIUM or /usr/bin/chromium (`apt-get install chromium`)';
const describeWithChromium = CHROMIUM ? describe : describe.skip;
const title = `the Web UI tells the truth about a run${CHROMIUM ? '' : ` (${NO_CHROMIUM})`}`;
if (!CHROMIUM) console.warn(`web-ui.test.ts ${NO_CHROMIUM}`);

/** Resolves once the UI's HTTP server answers (it comes up beside the gRPC frontend). */
async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the Web UI at ${url} did not answer: ${String(error)}`);
    }
    if (Date.now() > deadline) throw new Error(`the Web UI at ${url} did not answer with 200`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The UI renders markdown (summary, details, current details) in iframes of its own; this finds the
 * one whose text matches, waiting for it.
 */
async function frameShowing(page: Page, shows: (text: string) => boolean): Promise<{ frame: Frame; text: string }> {
  const deadline = Date.now() + UI_WAIT_MS;
  for (;;) {
    const seen: string[] = [];
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const text = await frame
        .locator('body')
        .innerText({ timeout: 1000 })
        .catch(() => '');
      if (shows(text.trim())) return { frame, text: text.trim() };
      seen.push(JSON.stringify(text.slice(0, 200)));
    }
    if (Date.now() > deadline) {
      throw new Error(`no frame of ${page.url()} shows ${String(shows)}; the frames show: ${seen.join(', ')}`);
    }
    await page.waitForTimeout(250);
  }
}

/** True when the element is inside its iframe's box, i.e. a person sees it without scrolling the frame. */
async function shownWhole(frame: Frame, text: string): Promise<boolean> {
  const frameBox = await (await frame.frameElement()).boundingBox();
  const box = await frame.getByText(text).first().boundingBox();
  return !!frameBox && !!box && box.y >= frameBox.y && box.y + box.height <= frameBox.y + frameBox.height + 0.5;
}

describeWithChromium(title, () => {
  let dir: string;
  let server: DevServer;
  let h: Harness;
  let browser: BrowserContext;
  let spec: ResolvedSpec;
  let runId: string;
  let report: RunReport;
  let uiUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'llmbatch-web-ui-'));
    server = await startDevServer({
      port: 0,
      uiPort: await freePort(),
      headless: false,
      dbFile: join(dir, 'temporal.db'),
      logFile: join(dir, 'temporal.log'),
    });
    if (!server.uiUrl) throw new Error('the dev server started without its Web UI');
    uiUrl = server.uiUrl;
    h = await startHarness({ address: server.address, profile: { batch: { validatingMs: 20, completionMs: 100 } } });

    writeTickets(join(h.dir, 'tickets.jsonl'), 300);
    // Ten chunks: the run's own row must stand out from its children's in the list.
    spec = loadSpec(h.writeSpec(fastSpec({ name: 'web-ui', chunkSize: 30 })));
    runId = `it-web-ui-${Date.now()}`;
    report = await (await startRun(h.client, spec, { taskQueue: h.taskQueue, runId })).result();
    expect(report).toMatchObject({ status: 'completed', items: 300, succeeded: 300, batches: 10 });

    await waitForHttp(uiUrl, UI_WAIT_MS);
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'llmbatch-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1920, height: 1080 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // What the list's column settings store once a person has added our search attributes.
    const columns = { default: LIST_COLUMNS.map((label, i) => ({ label, pinned: i < 2 })) };
    await browser.addInitScript({
      content: `localStorage.setItem('namespace-workflow-table-columns', ${JSON.stringify(JSON.stringify(columns))});`,
    });
  });

  /** What the run's row in the Web UI's list shows: the report's counts in our search attributes. */
  const runColumns = () => ({
    'Workflow ID': runId,
    Type: 'batchRunWorkflow',
    LlmPhase: 'completed',
    LlmItemsTotal: String(report.items),
    LlmItemsDone: String(report.succeeded),
    LlmItemsFailed: String(report.deadLettered + report.rejected),
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await server?.stop();
  });

  it('lists the run, filtered by LlmRunId, with the report counts in its search attribute columns', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`LlmRunId="${runId}"`)}`);
      const rows = page.getByTestId('workflows-summary-configurable-table-row');
      const parent = rows.filter({ has: page.getByRole('link', { name: runId, exact: true }) });
      await parent.waitFor({ timeout: UI_WAIT_MS });
      // The filter is applied (it shows above the table), and the run's chunks carry its LlmRunId too.
      expect(await page.getByText(`"${runId}"`).first().isVisible()).toBe(true);
      await rows.nth(report.batches).waitFor({ timeout: UI_WAIT_MS });

      const headers = await page.locator('thead th').allInnerTexts();
      const cells = async (row: typeof parent) => {
        const values = await row.locator('td').allInnerTexts();
        expect(values).toHaveLength(headers.length);
        return Object.fromEntries(headers.map((h, i) => [h.trim(), values[i].trim()]).filter(([h]) => h));
      };
      const run = await cells(parent);
      expect(run).toMatchObject({ Status: 'Completed', ...runColumns() });
      expect(Number(run.LlmCostUsd)).toBeCloseTo(report.costUsd.actual, 6);

      // One row a chunk, every one done, and (no duplicates here) their answers add up to the run's.
      const chunks = await Promise.all((await rows.all()).map(cells)).then((all) =>
        all.filter((row) => row.Type === 'chunkWorkflow'),
      );
      expect(chunks).toHaveLength(report.batches);
      expect(chunks.map((c) => [c.Status, c.LlmPhase])).toEqual(chunks.map(() => ['Completed', 'done']));
      expect(chunks.reduce((sum, c) => sum + Number(c.LlmItemsDone), 0)).toBe(report.succeeded);
      expect(chunks.reduce((sum, c) => sum + Number(c.LlmItemsTotal), 0)).toBe(report.items);
    } finally {
      await page.screenshot({ path: join(ARTIFACTS, 'web-ui-list.png'), fullPage: true });
      await page.close();
    }
  });

  it('opens the link `llmbatch runs` prints: the run once, with its phase, counts and cost, and no chunk rows', async () => {
    const listed = await cli(['runs', '--json'], { TEMPORAL_ADDRESS: server.address, TEMPORAL_UI_URL: uiUrl });
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const { webUi } = JSON.parse(listed.stdout) as { webUi: string };
    expect(webUi.startsWith(`${uiUrl}/namespaces/default/workflows?query=`)).toBe(true);
    const page = await browser.newPage();
    try {
      await page.goto(webUi);
      const rows = page.getByTestId('workflows-summary-configurable-table-row');
      await rows.filter({ has: page.getByRole('link', { name: runId, exact: true }) }).waitFor({ timeout: UI_WAIT_MS });
      const headers = (await page.locator('thead th').allInnerTexts()).map((h) => h.trim());
      const shown = await Promise.all(
        (await rows.all()).map(async (row) => {
          const values = await row.locator('td').allInnerTexts();
          return Object.fromEntries(headers.map((h, i) => [h, values[i]?.trim()]).filter(([h]) => h));
        }),
      );
      // Ten chunks ran, and the list holds one row: the run's.
      expect(shown).toEqual([expect.objectContaining(runColumns())]);
      expect(Number(shown[0].LlmCostUsd)).toBeCloseTo(report.costUsd.actual, 6);
    } finally {
      await page.screenshot({ path: join(ARTIFACTS, 'web-ui-runs-link.png'), fullPage: true });
      await page.close();
    }
  });

  it("shows the run's summary, its final current details and its search attributes on the run's page", async () => {
    const page = await browser.newPage();
    let shot = 'web-ui-run';
    try {
      // The run id alone opens the latest execution (the UI redirects to its history).
      await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(runId)}`);
      await page.waitForURL(new RegExp(`/workflows/${runId}/[0-9a-f-]{36}/history`), { timeout: UI_WAIT_MS });
      const heading = page.getByTestId('workflow-id-heading');
      await heading.getByText(runId, { exact: true }).waitFor({ timeout: UI_WAIT_MS });
      const header = page.locator('header', { has: heading });
      await header.getByText('Completed', { exact: true }).waitFor({ timeout: UI_WAIT_MS });
      await page.screenshot({ path: join(ARTIFACTS, 'web-ui-run-history.png'), fullPage: true });

      // User Metadata: the summary and details set at start, the current details the workflow set last.
      shot = 'web-ui-run-metadata';
      await page.getByTestId('user-metadata-tab').click();
      await page.waitForURL(/\/user-metadata$/, { timeout: UI_WAIT_MS });
      const summary = `${spec.name}: ${spec.provider}/${spec.model} ${spec.mode}`;
      expect((await frameShowing(page, (text) => text === summary)).text).toBe(summary);
      const failed = report.deadLettered + report.rejected;
      const answered = `items ${report.items}: answered ${report.succeeded}, failed ${failed}`;
      const current = await frameShowing(page, (text) => text.includes('answered'));
      expect(current.text.split('\n').filter((line) => line.trim())).toEqual([
        `completed · ${answered} (rejected lines ${report.rejected}), duplicates ${report.duplicates} · $${report.costUsd.actual.toFixed(4)}`,
        `chunks ${report.batches} of ${report.batches} done (0 failed), 0 running · ${spec.provider}/${spec.model} ${spec.mode}`,
        `output ${report.outputDir}`,
        `run ${runId}`,
      ]);
      // The phase, the counts and the output folder are on screen, not only in the DOM. (UI 2.42.1
      // sizes these frames a little short of their content, so the details end with the run id.)
      expect(await shownWhole(current.frame, 'completed')).toBe(true);
      expect(await shownWhole(current.frame, answered)).toBe(true);
      expect(await shownWhole(current.frame, `output ${report.outputDir}`)).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, `${shot}.png`), fullPage: true });

      // Search Attributes: what the list and `LlmPhase = ...` queries read.
      shot = 'web-ui-run-search-attributes';
      await page.getByTestId('search-attributes-tab').click();
      await page.waitForURL(/\/search-attributes$/, { timeout: UI_WAIT_MS });
      const code = page.locator('.cm-content', { hasText: 'LlmItemsDone' });
      await code.waitFor({ timeout: UI_WAIT_MS });
      const { indexedFields } = JSON.parse(await code.innerText()) as { indexedFields: Record<string, unknown> };
      expect(indexedFields).toMatchObject({
        LlmRunId: runId,
        LlmProvider: spec.provider,
        LlmModel: spec.model,
        LlmPhase: 'completed',
        LlmItemsTotal: report.items,
        LlmItemsDone: report.succeeded,
        LlmItemsFailed: failed,
      });
      expect(indexedFields.LlmCostUsd).toBeCloseTo(report.costUsd.actual, 6);
    } finally {
      await page.screenshot({ path: join(ARTIFACTS, `${shot}.png`), fullPage: true });
      await page.close();
    }
  });
});
