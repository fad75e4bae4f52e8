// The Web UI decodes encrypted payloads through the codec server: a dev server of its own started
// with `--ui-codec-endpoint` (as `llmbatch dev` does when a key is set), a run whose every payload is
// encrypted, and the run's page in headless Chromium showing its input in clear: the spec's system
// prompt, which the raw history holds only sealed. The dev server's Web UI has no login, so it
// cannot send `Authorization` (it does only with passAccessToken: an OIDC user's token to an HTTPS
// endpoint); the token rides in the endpoint's path instead. Screenshot: test/artifacts/web-ui-codec.png.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { freePort, startDevServer, type DevServer } from '../../dev/dev-server';
import { newCodecToken, startCodecServer, type CodecServer } from '../../workers/codec-server';
import { dataConverterWith } from '../../workers/data-converter';
import { codecKeys, newKey } from '../support/codec-keys';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';

const CHROMIUM = [process.env.LLMBATCH_CHROMIUM, '/usr/bin/chromium'].find((path) => path && existsSync(path));
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const UI_WAIT_MS = 30_000;
const MARKER = 'WOMBAT-PROMPT-3317';
const NO_CHROMIUM = 'skipped: no Chromium at LLMBATCH_CHROMIUM or /usr/bin/chromium (`apt-get install chromium`)';
const describeWithChromium = CHROMIUM ? describe : describe.skip;
if (!CHROMIUM) console.warn(`web-ui-codec.test.ts ${NO_CHROMIUM}`);

describeWithChromium(
  `the Web UI decodes encrypted payloads through the codec server${CHROMIUM ? '' : ` (${NO_CHROMIUM})`}`,
  () => {
    const keys = codecKeys({ k1: newKey() });
    const token = newCodecToken();
    const decodes: string[] = [];
    let codec: CodecServer;
    let server: DevServer;
    let h: Harness;
    let browser: BrowserContext;
    let runId: string;
    let uiUrl: string;

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'llmbatch-web-ui-codec-'));
      const uiPort = await freePort();
      codec = await startCodecServer({
        keys,
        token,
        uiOrigins: [`http://127.0.0.1:${uiPort}`],
        log: (l) => decodes.push(l),
      });
      server = await startDevServer({
        port: 0,
        uiPort,
        headless: false,
        uiCodecEndpoint: codec.uiEndpoint,
        dbFile: join(dir, 'temporal.db'),
        logFile: join(dir, 'temporal.log'),
      });
      uiUrl = server.uiUrl ?? '';
      h = await startHarness({
        address: server.address,
        profile: { batch: { validatingMs: 20, completionMs: 100 } },
        dataConverter: dataConverterWith(keys),
      });
      writeTickets(join(h.dir, 'tickets.jsonl'), 100);
      const spec = loadSpec(
        h.writeSpec(
          fastSpec({
            name: 'web-ui-codec',
            template: { system: `Classify the ticket. ${MARKER}`, user: '{{subject}}' },
          }),
        ),
      );
      runId = `it-web-ui-codec-${Date.now()}`;
      const report = await (await startRun(h.client, spec, { taskQueue: h.taskQueue, runId })).result();
      expect(report).toMatchObject({ status: 'completed', items: 100, succeeded: 100 });

      mkdirSync(ARTIFACTS, { recursive: true });
      browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'llmbatch-chromium-')), {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1920, height: 1080 },
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
      });
    });

    afterAll(async () => {
      await browser?.close();
      await h?.close();
      await server?.stop();
      await codec?.close();
    });

    it("shows the run's input decoded, which its raw history holds only encrypted", async () => {
      // The raw history: the start input is sealed, the prompt nowhere.
      const raw = await h.client.workflow.getHandle(runId).fetchHistory();
      const input = raw.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      expect(Buffer.from(input?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
      expect(Buffer.from(input?.data ?? []).toString()).not.toContain(MARKER);

      const page = await browser.newPage();
      const codecCalls: number[] = [];
      page.on('response', (response) => {
        if (response.url().startsWith(codec.url)) codecCalls.push(response.status());
      });
      try {
        await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(runId)}`);
        await page.waitForURL(new RegExp(`/workflows/${runId}/[0-9a-f-]{36}/history`), { timeout: UI_WAIT_MS });
        await page.getByText(MARKER).first().waitFor({ timeout: UI_WAIT_MS });
        const text = await page.locator('body').innerText();
        expect(text).toContain(`Classify the ticket. ${MARKER}`);
        expect(text).toContain(runId);
        // The browser called the codec server (preflight and POST /<token>/decode), and it answered.
        expect(codecCalls.length).toBeGreaterThan(0);
        expect(codecCalls.every((status) => status < 300)).toBe(true);
        expect(decodes).toEqual([]);
      } finally {
        await page.screenshot({ path: join(ARTIFACTS, 'web-ui-codec.png'), fullPage: true });
        await page.close();
      }
    });

    it('the codec server refuses the same request without its token', async () => {
      const response = await fetch(`${codec.url}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: uiUrl },
        body: '{"payloads": []}',
      });
      expect(response.status).toBe(401);
    });
  },
);
