// `npm run bench -- plan-formats [--rows N]`: planning the same rows as JSONL and as Parquet (the
// issue's acceptance: Parquet within 20% of JSONL), each into a fresh run of one embedded store.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { stringify } from 'yaml';
import { createPlanActivities, type PlanInput } from '../activities/plan/plan';
import { loadSpec } from '../client/spec-loader';
import type { PlanSummary } from '../common';
import { openStore } from '../store';
import { writeParquet } from '../test/support/parquet-files';

export async function benchPlanFormats(args: string[]): Promise<void> {
  const at = args.indexOf('--rows');
  const count = at >= 0 ? Number(args[at + 1]) : 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-plan-formats-'));
  const rows = Array.from({ length: count }, (_, i) => ({
    id: `t${i + 1}`,
    subject: `Order ${i + 1} has not arrived`,
    body: `Hello, I ordered item ${i % 997} on day ${i % 31}; where is order ${i + 1}? Thanks.`,
  }));
  writeFileSync(join(dir, 'rows.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await writeParquet(join(dir, 'rows.parquet'), rows, 10_000);
  const store = await openStore(join(dir, 'store'));
  try {
    const activities = createPlanActivities({ store, providers: {} as never });
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const times: Record<string, number> = {};
    for (const format of ['jsonl', 'parquet', 'jsonl', 'parquet']) {
      const specPath = join(dir, `${format}.yaml`);
      writeFileSync(
        specPath,
        stringify({
          name: `bench-${format}`,
          input: `rows.${format}`,
          id: 'id',
          template: { user: 'Subject: {{subject}}\n{{body}}' },
          output: { dir: 'out' },
          provider: 'simulator',
          model: 'gpt-4.1-mini',
          cache: { enabled: false },
        }),
      );
      const started = performance.now();
      const summary: PlanSummary = await env.run((input: PlanInput) => activities.planRun(input), {
        runId: `bench-${format}-${Date.now()}`,
        spec: loadSpec(specPath),
      });
      const ms = performance.now() - started;
      // The better of two runs each: the first of each pays for a cold store.
      times[format] = Math.min(times[format] ?? Infinity, ms);
      console.log(
        `${format.padEnd(8)} ${summary.lines} rows planned in ${(ms / 1000).toFixed(1)} s (${Math.round(summary.lines / (ms / 1000))} rows/s)`,
      );
    }
    console.log(`parquet / jsonl: ${(times.parquet / times.jsonl).toFixed(2)} (acceptance: at most 1.20)`);
  } finally {
    await store.sql.close();
  }
}
