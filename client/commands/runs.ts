// `llmbatch runs [--limit N] [--json]`: recent runs, one line each, and the Web UI link that lists
// runs without their chunk workflows.
import { Command } from 'commander';
import { z } from 'zod';
import { listRuns, RUNS_QUERY, type RunRow } from '../runs-list';
import { connectClient, webUiListLink } from '../temporal-client';

const Options = z.object({
  limit: z.coerce.number().int('--limit takes a whole number').positive('--limit takes a number above 0').default(20),
  json: z.boolean().optional(),
});

const HEADERS = ['RUN', 'STATE', 'ITEMS', 'RESULTS', 'DEAD', 'COST', 'STARTED', 'REPORT'];

function cells(r: RunRow): string[] {
  const n = (v?: number) => (v === undefined ? '-' : String(v));
  return [
    r.runId,
    r.state,
    n(r.items),
    n(r.results),
    n(r.deadLetters),
    r.costUsd === undefined ? '-' : `$${r.costUsd.toFixed(4)}`,
    r.startedAt.replace(/\.\d+Z$/, 'Z'),
    r.report ?? '-',
  ];
}

/** Columns padded to their widest cell; the last (a path) is left as it is. */
export function formatRuns(rows: RunRow[]): string[] {
  const table = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((t) => t[i].length)));
  return table.map((t) => t.map((c, i) => (i === t.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
}

export function runsCommand(): Command {
  return new Command('runs')
    .description('list recent runs, one line each: id, state, items, results, dead letters, cost, started, report')
    .option('--limit <n>', 'how many runs, newest first', '20')
    .option('--json', 'print one JSON object')
    .action(async (raw: unknown) => {
      const options = Options.parse(raw);
      const { client, close, address } = await connectClient();
      try {
        const runs = await listRuns(client, options.limit);
        const webUi = webUiListLink(RUNS_QUERY, address);
        if (options.json) {
          console.log(JSON.stringify({ runs, webUi }));
          return;
        }
        if (runs.length === 0) console.log('no runs yet');
        else for (const line of formatRuns(runs)) console.log(line);
        console.log(`Web UI, runs without their chunks: ${webUi}`);
      } finally {
        await close();
      }
    });
}
