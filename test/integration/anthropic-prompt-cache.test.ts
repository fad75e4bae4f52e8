// Anthropic prompt caching end to end: a run whose system prompt is shared by every item (no
// placeholder) and longer than the model's minimum marks it with cache_control; the simulator writes
// the prefix once and reads it for every later request (across the run's batches, and in the sync
// lane); report.json shows the cache tokens and what they saved, and its actual cost matches what the
// simulator's ledger billed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { formatReport } from '../../client/wait-for-run';
import { LABEL_SCHEMA, writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';
import type { EstimateReport } from '../../common';
import { estimateWorkflow } from '../../workflows';

/** ~6,000 characters: 1,500 tokens at the simulator's 4 a token, over claude-sonnet-4's 1,024 minimum. */
const POLICY = 'You classify support tickets by the policy below; answer with the label only. '.repeat(76);
const PREFIX_TOKENS = Math.ceil(POLICY.length / 4);
const ITEMS = 50;

const cachedSpec = (extra: Record<string, unknown> = {}) =>
  fastSpec({
    model: 'claude-sonnet-4',
    template: { system: POLICY, user: 'Subject: {{subject}}\n{{body}}' },
    output: { dir: 'out', schema: 'label.schema.json' },
    chunkSize: 25,
    ...extra,
  });

describe('Anthropic prompt caching', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 }, sync: { latencyMs: 5 } } });
    writeTickets(join(h.dir, 'tickets.jsonl'), ITEMS);
    writeFileSync(join(h.dir, 'label.schema.json'), JSON.stringify(LABEL_SCHEMA));
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.simulator.reset());

  it('batch: the shared system prompt is written once and read by every later request of the run', async () => {
    const spec = loadSpec(h.writeSpec(cachedSpec({ output: { dir: 'out-batch', schema: 'label.schema.json' } })));
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-prompt-cache-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ items: ITEMS, succeeded: ITEMS, deadLettered: 0, batches: 2 });

    // One write for the whole run: the second batch reads what the first wrote (within the 5-minute TTL).
    expect(report.tokens).toMatchObject({ cacheWrite: PREFIX_TOKENS, cacheRead: (ITEMS - 1) * PREFIX_TOKENS });
    expect(report.tokens.input).toBeLessThan(ITEMS * 200); // the policy is no longer billed as input
    const ledger = h.simulator.ledger();
    expect(ledger).toMatchObject({
      requestsBilled: ITEMS,
      doubleBilled: 0,
      inputTokens: report.tokens.input,
      cacheWriteTokens: report.tokens.cacheWrite,
      cacheReadTokens: report.tokens.cacheRead,
    });
    expect(Math.abs(report.costUsd.actual - ledger.costUsd)).toBeLessThanOrEqual(0.005 * ledger.costUsd);
    expect(report.byModel['claude-sonnet-4']).toMatchObject({
      cacheWriteTokens: PREFIX_TOKENS,
      cacheReadTokens: (ITEMS - 1) * PREFIX_TOKENS,
    });

    // Saved against sending the policy as input every time: 49 reads at 0.9x off, less one write's 0.25x premium.
    const savedTokens = (ITEMS - 1) * PREFIX_TOKENS * 0.9 - PREFIX_TOKENS * 0.25;
    expect(report.costUsd.savings.promptCache).toBeCloseTo((savedTokens * 1.5) / 1e6, 6);
    // The sync-equivalent prices the same usage (cache included) at sync prices: twice the batch bill.
    expect(report.costUsd.syncEquivalent).toBeCloseTo(2 * report.costUsd.actual, 5);
    // The naive bill has no cache either: every policy token at the sync input price.
    expect(report.costUsd.naiveSync).toBeGreaterThan(ITEMS * PREFIX_TOKENS * 3e-6);

    const usages = readJsonl(report.files.results).map((r) => r.usage as Record<string, number>);
    expect(usages.filter((u) => u.cacheWriteTokens === PREFIX_TOKENS)).toHaveLength(1);
    expect(usages.filter((u) => u.cacheReadTokens === PREFIX_TOKENS)).toHaveLength(ITEMS - 1);
    expect(formatReport(report, 'http://ui')).toContain(
      `(prompt cache: ${PREFIX_TOKENS} written, ${(ITEMS - 1) * PREFIX_TOKENS} read)`,
    );
  });

  it('sync: calls of the sync lane write the prefix once and read it after', async () => {
    const spec = loadSpec(
      h.writeSpec(
        cachedSpec({ mode: 'sync', chunkSize: 50, output: { dir: 'out-sync', schema: 'label.schema.json' } }),
        'sync.yaml',
      ),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-prompt-cache-sync-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ succeeded: ITEMS, batches: 0 });
    expect(report.tokens).toMatchObject({ cacheWrite: PREFIX_TOKENS, cacheRead: (ITEMS - 1) * PREFIX_TOKENS });
    const ledger = h.simulator.ledger();
    expect(ledger.byMode.sync).toMatchObject({
      requestsBilled: ITEMS,
      cacheWriteTokens: PREFIX_TOKENS,
      cacheReadTokens: (ITEMS - 1) * PREFIX_TOKENS,
    });
    expect(ledger.doubleBilled).toBe(0);
    expect(Math.abs(report.costUsd.actual - ledger.costUsd)).toBeLessThanOrEqual(0.005 * ledger.costUsd);
    expect(report.costUsd.syncEquivalent).toBeCloseTo(report.costUsd.actual, 6);
  });

  it('a system prompt with a placeholder is not marked: nothing is cached', async () => {
    const spec = loadSpec(
      h.writeSpec(
        cachedSpec({
          template: { system: `${POLICY} Customer of order {{subject}}.`, user: '{{body}}' },
          output: { dir: 'out-placeholder', schema: 'label.schema.json' },
        }),
        'placeholder.yaml',
      ),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-prompt-cache-none-${Date.now()}` })
    ).result();
    expect(report).toMatchObject({ succeeded: ITEMS, tokens: { cacheWrite: 0, cacheRead: 0 } });
    expect(report.tokens.input).toBeGreaterThan(ITEMS * PREFIX_TOKENS);
    expect(h.simulator.ledger()).toMatchObject({ cacheWriteTokens: 0, cacheReadTokens: 0, doubleBilled: 0 });
    expect(report.costUsd.savings.promptCache).toBe(0);
  });

  it('estimates a run with a 2,000-token cached system prompt within 25% of its bill', async () => {
    // ~8,000 characters: 2,000 tokens at the simulator's 4 a token.
    const policy = 'You classify support tickets by the policy below; answer with the label only. '.repeat(102);
    const spec = loadSpec(
      h.writeSpec(
        cachedSpec({
          template: { system: policy, user: 'Subject: {{subject}}\n{{body}}' },
          output: { dir: 'out-estimate', schema: 'label.schema.json' },
          cache: { enabled: false },
        }),
        'estimate.yaml',
      ),
    );
    const estimate: EstimateReport = await h.client.workflow.execute(estimateWorkflow, {
      workflowId: `it-prompt-cache-estimate-${Date.now()}`,
      taskQueue: h.taskQueue,
      args: [{ spec }],
    });
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-prompt-cache-est-run-${Date.now()}` })
    ).result();
    const billed = report.costUsd.actual;
    const off = (usd: number) => Math.abs(usd - billed) / billed;
    console.log(
      `cached 2,000-token prompt: estimated $${estimate.costUsd.batch.likely.toFixed(4)} (plan $${report.costUsd.estimated.toFixed(4)}), billed $${billed.toFixed(4)} (${(off(estimate.costUsd.batch.likely) * 100).toFixed(1)}% off)`,
    );
    expect(report.tokens.cacheRead).toBeGreaterThan(0);
    expect(off(estimate.costUsd.batch.likely)).toBeLessThanOrEqual(0.25);
    expect(off(report.costUsd.estimated)).toBeLessThanOrEqual(0.25);
  });
});
