// What `llmbatch estimate` shows a person: counts, tokens, both prices with the run's mode marked,
// what a sample measured, the budget's verdict, and the --compare table.
import { formatEstimate, formatUsd } from '../../client/estimate-format';
import type { EstimateReport } from '../../common';

function report(extra: Partial<EstimateReport> = {}): EstimateReport {
  return {
    items: 1200,
    rejected: 1,
    duplicates: 52,
    cacheHits: 0,
    requests: 1147,
    chunks: 12,
    provider: 'simulator',
    model: 'gpt-4.1-mini',
    mode: 'batch',
    maxTokens: 200,
    tokens: { input: 123456, output: { min: 1147, likely: 12345, max: 229400 } },
    costUsd: {
      batch: { min: 0.0247, likely: 0.0307, max: 0.2082 },
      sync: { min: 0.0494, likely: 0.0614, max: 0.4164 },
    },
    sampled: 0,
    ...extra,
  };
}

describe('formatUsd', () => {
  test('4 decimals under a dollar, 2 from a dollar up, thousands separated', () => {
    expect(formatUsd(0)).toBe('$0.0000');
    expect(formatUsd(0.00061)).toBe('$0.0006');
    expect(formatUsd(0.99994)).toBe('$0.9999');
    expect(formatUsd(0.99996)).toBe('$1.00');
    expect(formatUsd(1)).toBe('$1.00');
    expect(formatUsd(50)).toBe('$50.00');
    expect(formatUsd(12345.678)).toBe('$12,345.68');
  });
});

describe('formatEstimate', () => {
  test('counts, tokens and both prices, the run mode marked', () => {
    expect(formatEstimate(report(), 'demo')).toBe(
      [
        'estimate for demo: simulator/gpt-4.1-mini batch',
        '  1,200 lines: 1 rejected, 52 duplicates, 0 cache hits -> 1,147 requests in 12 chunks',
        '  tokens: input 123,456 (counted); output likely 12,345, at most 229,400 (maxTokens 200)',
        '  batch: likely $0.0307, between $0.0247 and $0.2082 (this run)',
        '  sync:  likely $0.0614, between $0.0494 and $0.4164',
      ].join('\n'),
    );
  });

  test('a sync run marks the sync line; a hybrid run both', () => {
    const sync = formatEstimate(report({ mode: 'sync' }));
    expect(sync).toMatch(/^estimate: simulator\/gpt-4.1-mini sync$/m);
    expect(sync).toMatch(/^ {2}batch: likely \$0\.0307, between \$0\.0247 and \$0\.2082$/m);
    expect(sync).toMatch(/^ {2}sync: {2}likely \$0\.0614, between \$0\.0494 and \$0\.4164 \(this run\)$/m);
    const hybrid = formatEstimate(report({ mode: 'hybrid' }));
    expect(hybrid).toContain('batch: likely $0.0307, between $0.0247 and $0.2082 (hybrid: part of this run)');
    expect(hybrid).toContain('sync:  likely $0.0614, between $0.0494 and $0.4164 (hybrid: part of this run)');
  });

  test('singulars, large figures and dollars above one', () => {
    const text = formatEstimate(
      report({
        items: 1,
        rejected: 0,
        duplicates: 1,
        cacheHits: 1,
        requests: 1,
        chunks: 1,
        tokens: { input: 2_500_000, output: { min: 1, likely: 1_000_000, max: 4_000_000 } },
        maxTokens: 4000,
        costUsd: {
          batch: { min: 0.5, likely: 1.234, max: 1234.5 },
          sync: { min: 3, likely: 3, max: 3 },
        },
      }),
    );
    expect(text).toContain('  1 line: 0 rejected, 1 duplicate, 1 cache hit -> 1 request in 1 chunk');
    expect(text).toContain(
      'tokens: input 2,500,000 (counted); output likely 1,000,000, at most 4,000,000 (maxTokens 4,000)',
    );
    expect(text).toContain('  batch: likely $1.23, between $0.5000 and $1,234.50 (this run)');
    // No range to show: just the figure.
    expect(text).toMatch(/^ {2}sync: {2}likely \$3\.00$/m);
  });

  test('with a sample: output measured, what the sample ran and cost', () => {
    const text = formatEstimate(
      report({
        sampled: 100,
        tokens: { input: 138_271, output: { min: 1147, likely: 24_431, max: 229_400 } },
        sample: {
          runId: 'estimate-demo-20250101T000000Z-sample',
          answered: 100,
          costUsd: 0.00061,
          outputTokensPerItem: 21.3,
          inputCalibration: 1.12,
          outputDir: 'out/demo/estimate-demo-20250101T000000Z-sample',
        },
      }),
      'demo',
    );
    expect(text).toContain('output likely 24,431 (measured), at most 229,400 (maxTokens 200)');
    expect(text).toContain(
      '  measured on a sample of 100 items (run estimate-demo-20250101T000000Z-sample, $0.0006): 21.3 output tokens an item, input x1.12 of our count',
    );
    expect(text).toContain("    the sample's answers: out/demo/estimate-demo-20250101T000000Z-sample");
  });

  test('a sample where some items failed says how many answered', () => {
    const text = formatEstimate(
      report({
        sampled: 10,
        sample: {
          runId: 's',
          answered: 8,
          costUsd: 0.0001,
          outputTokensPerItem: 20,
          inputCalibration: 1,
          outputDir: 'out/s',
        },
      }),
    );
    expect(text).toContain(
      'measured on a sample of 10 items (run s, $0.0001, 8 answered): 20 output tokens an item, input x1.00 of our count',
    );
  });

  test('without a sample, nothing claims to be measured', () => {
    const text = formatEstimate(report());
    expect(text).not.toContain('measured');
    expect(text).not.toContain('budget');
    expect(text).not.toContain('pricing table');
  });

  test('budget: the caps and whether a run would start', () => {
    expect(formatEstimate(report({ budget: { maxUsd: 50 } }))).toMatch(/^ {2}budget: maxUsd \$50\.00 fits$/m);
    expect(
      formatEstimate(
        report({
          budget: { maxUsd: 0.01, dailyUsd: 200, refused: 'estimated $0.0307 is over the run cap maxUsd $0.0100' },
        }),
      ),
    ).toMatch(
      /^ {2}budget: maxUsd \$0\.0100, dailyUsd \$200\.00 REFUSED: estimated \$0\.0307 is over the run cap maxUsd \$0\.0100$/m,
    );
  });

  test('compare: every model, cheapest batch first, the spec model marked', () => {
    const text = formatEstimate(
      report({
        compare: [
          { model: 'gpt-4.1', batchUsd: 0.1535, syncUsd: 0.307 },
          { model: 'gpt-4.1-mini', batchUsd: 0.0307, syncUsd: 0.0614 },
          { model: 'claude-opus-4-1', batchUsd: 12.5, syncUsd: 25 },
          { model: 'gpt-4.1-nano', batchUsd: 0.0077, syncUsd: 0.0154 },
        ],
      }),
    );
    const table = text.split('\n').slice(5);
    expect(table).toEqual([
      '  the same requests with every model of the pricing table (likely cost, cheapest batch first):',
      '    model              batch     sync',
      '    gpt-4.1-nano     $0.0077  $0.0154',
      '  * gpt-4.1-mini     $0.0307  $0.0614  <- this spec',
      '    gpt-4.1          $0.1535  $0.3070',
      '    claude-opus-4-1   $12.50   $25.00',
    ]);
  });

  test('sample, budget and compare together, in that order', () => {
    const text = formatEstimate(
      report({
        sampled: 5,
        sample: { runId: 's', answered: 5, costUsd: 0, outputTokensPerItem: 1, inputCalibration: 1, outputDir: 'o' },
        budget: { monthlyUsd: 3000 },
        compare: [{ model: 'gpt-4.1-mini', batchUsd: 0.0307, syncUsd: 0.0614 }],
      }),
    );
    const at = (s: string) => text.indexOf(s);
    expect(at('measured on a sample')).toBeGreaterThan(0);
    expect(at('  budget: monthlyUsd $3,000.00 fits')).toBeGreaterThan(at('measured on a sample'));
    expect(at('pricing table')).toBeGreaterThan(at('budget:'));
  });
});
