// Opens a report.html in Debian's Chromium (playwright-core) the way a person would, from file://,
// and says what a person would see: console errors, network requests, the charts drawn, the
// figures on the page. Screenshots go to test/artifacts/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = [process.env.LLMBATCH_CHROMIUM, '/usr/bin/chromium'].find((path) => path && existsSync(path));
export const ARTIFACTS = join(__dirname, '..', 'artifacts');

export interface PageLook {
  consoleErrors: string[];
  /** Every request the page made other than loading itself. */
  requests: string[];
  /** Per canvas id: the chart's data points and how many of its pixels are painted. */
  charts: Record<string, { points: number; paintedPixels: number }>;
  /** Each figure on the page: where in report.json it comes from, and the text shown. */
  figures: { path: string[]; format: string; text: string }[];
  links: string[];
  text: string;
}

export async function lookAtReportPage(htmlPath: string, screenshotName: string): Promise<PageLook> {
  if (!CHROMIUM) throw new Error('no Chromium at LLMBATCH_CHROMIUM or /usr/bin/chromium');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const url = pathToFileURL(htmlPath).href;
    const look: PageLook = { consoleErrors: [], requests: [], charts: {}, figures: [], links: [], text: '' };
    page.on('console', (message) => {
      if (message.type() === 'error') look.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => look.consoleErrors.push(error.message));
    page.on('request', (request) => {
      if (request.url() !== url) look.requests.push(request.url());
    });
    await page.goto(url);
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `${screenshotName}.png`), fullPage: true });
    // Run in the page, given as text: the DOM's types stay out of the project (they change Node's
    // own, ReadableStream and fetch among them, for every file tsc checks).
    look.charts = await page.evaluate<Record<string, { points: number; paintedPixels: number }>>(`(() => {
      const out = {};
      for (const canvas of Array.from(document.querySelectorAll('canvas'))) {
        const chart = window.Chart.getChart(canvas);
        const points = chart ? chart.data.datasets.reduce((n, d) => n + d.data.length, 0) : 0;
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
        out[canvas.id] = { points, paintedPixels: painted };
      }
      return out;
    })()`);
    look.figures = await page.evaluate<{ path: string[]; format: string; text: string }[]>(`
      Array.from(document.querySelectorAll('[data-k]')).map((n) => ({
        path: JSON.parse(n.getAttribute('data-k')),
        format: n.getAttribute('data-f'),
        text: n.textContent ?? '',
      }))`);
    look.links = await page.evaluate<string[]>(
      `Array.from(document.querySelectorAll('a[href]')).map((n) => n.getAttribute('href'))`,
    );
    look.text = await page.innerText('body');
    return look;
  } finally {
    await browser.close();
  }
}

/** A figure's text as a number: `$0.0123` -> 0.0123, `1,234` -> 1234. */
export function figureValue(text: string): number {
  return Number(text.replace(/[$,]/g, ''));
}

/** The value at a figure's path in report.json. */
export function reportValue(report: unknown, path: string[]): number {
  return Number(path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], report) ?? 0);
}
