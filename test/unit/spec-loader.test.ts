import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SpecError, loadSpec } from '../../client/spec-loader';
import { providerCallProfile, withCallBackoff } from '../../workflows/activity-profiles';

function world(spec: Record<string, unknown>, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-spec-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const path = join(dir, 'spec.yaml');
  writeFileSync(path, stringify(spec));
  return path;
}

const GOOD = {
  name: 'classify-tickets',
  input: 'tickets.jsonl',
  template: { system: 'You classify.', user: 'Ticket: {{subject}}' },
  output: { schema: 'label.schema.json', dir: 'out' },
  provider: 'openai',
  model: 'gpt-4.1-mini',
};
const FILES = { 'tickets.jsonl': '{"subject":"a"}\n', 'label.schema.json': '{"type":"object"}' };

describe('run spec', () => {
  it('resolves paths against the spec file and fills the seed defaults', () => {
    const path = world(GOOD, FILES);
    const spec = loadSpec(path);
    expect(spec.inputPath).toBe(join(path, '..', 'tickets.jsonl'));
    expect(spec.outputDir).toBe(join(path, '..', 'out'));
    expect(spec.outputSchema).toEqual({ type: 'object' });
    expect(spec).toMatchObject({
      mode: 'batch',
      chunkSize: 2000,
      inputFormat: 'jsonl',
      poll: {
        initialMs: 60_000,
        maxMs: 300_000,
        alertAfterMs: 72_000_000,
        deadlineMs: 86_400_000,
        cancelWaitMs: 3_600_000,
      },
      retry: { strike2DelayMs: 60_000, strike3DelayMs: 300_000, deadLetterAlertRate: 0.05 },
      limits: { concurrentBatches: 10, syncConcurrency: 16 },
    });
  });

  it('takes durations as Temporal writes them', () => {
    const spec = loadSpec(world({ ...GOOD, poll: { initial: '250ms', max: '5m', alertAfter: '20h' } }, FILES));
    expect(spec.poll).toEqual({
      initialMs: 250,
      maxMs: 300_000,
      alertAfterMs: 72_000_000,
      deadlineMs: 86_400_000,
      cancelWaitMs: 3_600_000,
      startDeadlineMs: 21_600_000,
    });
  });

  it('spaces failed provider calls by retry.callBackoff, doubling to callBackoffMax (never below the first wait)', () => {
    expect(loadSpec(world(GOOD, FILES)).retry).toMatchObject({ callBackoffMs: 2_000, callBackoffMaxMs: 300_000 });
    const spec = loadSpec(world({ ...GOOD, retry: { callBackoff: '250ms', callBackoffMax: '10s' } }, FILES));
    expect(spec.retry).toMatchObject({ callBackoffMs: 250, callBackoffMaxMs: 10_000 });
    const profile = withCallBackoff(providerCallProfile, spec.retry);
    expect(profile.retry).toMatchObject({ initialInterval: 250, maximumInterval: 10_000, backoffCoefficient: 2 });
    expect(profile.scheduleToCloseTimeout).toBe('6 hours');
    const inverted = loadSpec(world({ ...GOOD, retry: { callBackoff: '1m', callBackoffMax: '10s' } }, FILES));
    expect(inverted.retry).toMatchObject({ callBackoffMs: 60_000, callBackoffMaxMs: 60_000 });
  });

  it('takes poll.deadline and poll.cancelWait; the overdue alert then rings at 5/6 of the deadline unless set', () => {
    const spec = loadSpec(world({ ...GOOD, poll: { initial: '50ms', deadline: '12h', cancelWait: '10m' } }, FILES));
    expect(spec.poll).toMatchObject({ deadlineMs: 43_200_000, alertAfterMs: 36_000_000, cancelWaitMs: 600_000 });
    // A deadline past 24 h keeps the seed alert at 20 h.
    expect(loadSpec(world({ ...GOOD, poll: { deadline: '48h' } }, FILES)).poll.alertAfterMs).toBe(72_000_000);
    const explicit = loadSpec(world({ ...GOOD, poll: { initial: '50ms', deadline: '2s', alertAfter: '1s' } }, FILES));
    expect(explicit.poll).toMatchObject({ deadlineMs: 2000, alertAfterMs: 1000 });
  });

  it('watches for a batch that never starts: 6 h by default, off when the deadline comes first', () => {
    expect(loadSpec(world(GOOD, FILES)).poll.startDeadlineMs).toBe(6 * 3_600_000);
    const short = loadSpec(world({ ...GOOD, poll: { initial: '50ms', deadline: '2s' } }, FILES));
    // Equal to the deadline: the deadline cancels such a batch first.
    expect(short.poll).toMatchObject({ deadlineMs: 2000, startDeadlineMs: 2000 });
    const own = loadSpec(world({ ...GOOD, poll: { startDeadline: '30m' } }, FILES));
    expect(own.poll.startDeadlineMs).toBe(1_800_000);
  });

  it('refuses a deadline that no poll fits in, and an overdue alert that would ring after it', () => {
    const problems = (poll: Record<string, string>) => {
      try {
        loadSpec(world({ ...GOOD, poll }, FILES));
        return [];
      } catch (error) {
        return (error as SpecError).problems;
      }
    };
    expect(problems({ deadline: '30s' })).toEqual([
      'poll.deadline: 30s must exceed poll.initial (1m), or no batch could be looked at twice before it',
    ]);
    expect(problems({ initial: '1s', deadline: '2s', alertAfter: '2s' })).toEqual([
      'poll.alertAfter: 2s must be shorter than poll.deadline (2s): the batch is cancelled at the deadline, so the overdue alert would never ring',
    ]);
    // Against the default deadline (24h) too.
    expect(problems({ alertAfter: '30h' })).toEqual([
      'poll.alertAfter: 30h must be shorter than poll.deadline (24h): the batch is cancelled at the deadline, so the overdue alert would never ring',
    ]);
    expect(problems({ startDeadline: '24h' })).toEqual([
      'poll.startDeadline: 24h must be shorter than poll.deadline (24h): a batch not started by then is cancelled at the deadline anyway',
    ]);
    expect(problems({ deadline: 'tomorrow' })).toEqual([
      'poll.deadline: expected a duration such as 250ms, 60s, 5m or 20h',
    ]);
  });

  it('refuses a spec with five different mistakes, listing all five by path', () => {
    const path = world(
      {
        ...GOOD,
        name: 'has spaces',
        input: 'missing.jsonl',
        provider: 'openia',
        chunkSize: -5,
        poll: { initial: 'soon' },
      },
      FILES,
    );
    let error: unknown;
    try {
      loadSpec(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    const problems = (error as SpecError).problems;
    expect(problems).toHaveLength(5);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^name: /),
        expect.stringMatching(/^provider: /),
        expect.stringMatching(/^chunkSize: /),
        expect.stringMatching(/^poll\.initial: expected a duration/),
        expect.stringMatching(/^input: file not found: .*missing\.jsonl$/),
      ]),
    );
    expect((error as SpecError).message).toContain('has 5 problems');
  });

  it('refuses an output schema that is not a JSON Schema', () => {
    const path = world(GOOD, { ...FILES, 'label.schema.json': '{"type": "nonsense"}' });
    expect(() => loadSpec(path)).toThrow(/output.schema: .* is not a valid JSON Schema/);
  });

  it('refuses unknown fields and a model of the wrong provider', () => {
    const path = world({ ...GOOD, model: 'claude-sonnet-4', chunksize: 3 }, FILES);
    expect(() => loadSpec(path)).toThrow(/chunksize|Unrecognized/);
    const path2 = world({ ...GOOD, model: 'claude-sonnet-4' }, FILES);
    expect(() => loadSpec(path2)).toThrow(/model: "claude-sonnet-4" is an Anthropic model/);
  });
});

describe('run spec input checks', () => {
  it('refuses an empty input file before anything starts', () => {
    const path = world(GOOD, { ...FILES, 'tickets.jsonl': '' });
    expect(() => loadSpec(path)).toThrow(/input: .*tickets\.jsonl is empty: there is nothing to run/);
  });
  it('refuses an output schema file that is not JSON', () => {
    const path = world(GOOD, { ...FILES, 'label.schema.json': '{"type": "object",' });
    expect(() => loadSpec(path)).toThrow(/output\.schema: .*label\.schema\.json is not valid JSON/);
  });
});

describe('spec fields the code does not honour yet, and prices', () => {
  const problemsOf = (spec: Record<string, unknown>) => {
    try {
      loadSpec(world(spec, FILES));
      return [];
    } catch (error) {
      return (error as SpecError).problems;
    }
  };
  it('takes routing rules, hybrid and an enqueued-token limit, and lists what is wrong with them', () => {
    const rules = [
      { when: { field: 'priority', equals: 'high' }, model: 'gpt-4.1' },
      { when: { inputTokensOver: 400 }, model: 'gpt-4.1-nano' },
    ];
    const hybrid = { syncWhen: { field: 'priority', equals: 'high' } };
    expect(
      problemsOf({ ...GOOD, routing: { rules }, mode: 'hybrid', hybrid, limits: { enqueuedTokens: 1000 } }),
    ).toEqual([]);
    const spec = loadSpec(world({ ...GOOD, routing: { rules }, mode: 'hybrid', hybrid }, FILES));
    expect(spec).toMatchObject({ routes: rules, hybrid, mode: 'hybrid' });
    expect(problemsOf({ ...GOOD, routing: { rules: [{ when: {}, model: 'gpt-4.1' }] } })).toEqual([
      expect.stringMatching(/^routing\.rules\.0\.when: /),
    ]);
    expect(
      problemsOf({
        ...GOOD,
        routing: { rules: [{ when: { field: 'x', equals: 1 }, model: 'claude-sonnet-4' }] },
        mode: 'hybrid',
      }),
    ).toEqual([
      'routing.rules.0.model: "claude-sonnet-4" cannot run on provider openai with model gpt-4.1-mini',
      'hybrid: mode hybrid needs hybrid.syncWhen (which items go through the sync lane)',
    ]);
    expect(problemsOf({ ...GOOD, hybrid })).toEqual(['hybrid: only used with mode hybrid (the mode is batch)']);
    expect(problemsOf({ ...GOOD, routing: { rules: [{ when: { inputTokensOver: 9 }, model: 'gpt-9' }] } })).toEqual([
      'routing.rules.0.model: "gpt-9" has no price in common/pricing.json',
    ]);
  });
  it('takes a failover list and refuses entries that cannot run or be priced', () => {
    const failover = [
      { provider: 'anthropic', model: 'claude-haiku-4-5' },
      { provider: 'openai', model: 'gpt-4.1-nano', mode: 'sync' },
    ];
    expect(loadSpec(world({ ...GOOD, failover, retry: { failoverAfter: '2m' } }, FILES))).toMatchObject({
      failover,
      retry: { failoverAfterMs: 120_000 },
    });
    expect(
      problemsOf({
        ...GOOD,
        failover: [
          { provider: 'anthropic', model: 'gpt-4.1' },
          { provider: 'azure-openai', model: 'gpt-4.1' },
          { provider: 'openai', model: 'gpt-4.1-mini' },
        ],
      }),
    ).toEqual([
      'failover.0.model: "gpt-4.1" cannot run on provider anthropic',
      "failover.1.provider: azure-openai cannot be a failover entry (its deployments are priced as the spec's deploymentModel)",
      "failover.2: the spec's own provider, model and mode: a failover must go somewhere else",
    ]);
  });
  it("prices models from the spec's pricing file, over the built-in table", () => {
    const prices =
      'gpt-9-mini: { sync: [1, 2], batch: [0.5, 1] }\ngpt-4.1-mini: { sync: [0.3, 1.2], batch: [0.15, 0.6] }\n';
    const spec = loadSpec(
      world({ ...GOOD, model: 'gpt-9-mini', pricing: 'prices.yaml' }, { ...FILES, 'prices.yaml': prices }),
    );
    expect(spec.prices).toEqual({
      'gpt-9-mini': { sync: [1, 2], batch: [0.5, 1] },
      'gpt-4.1-mini': { sync: [0.3, 1.2], batch: [0.15, 0.6] },
    });
    const bad = 'gpt-9-mini: { sync: [1], batch: [0.5, 1] }\n';
    try {
      loadSpec(world({ ...GOOD, model: 'gpt-9-mini', pricing: 'prices.yaml' }, { ...FILES, 'prices.yaml': bad }));
      throw new Error('accepted');
    } catch (error) {
      expect((error as SpecError).problems[0]).toMatch(/^pricing: .*prices\.yaml: gpt-9-mini\.sync/);
    }
  });
  it('takes a budget, and refuses one with no cap, a downgrade with no budget or no price', () => {
    expect(
      problemsOf({ ...GOOD, budget: { maxUsd: 5, yellowAt: 0.7 }, routing: { downgradeTo: 'gpt-4.1-nano' } }),
    ).toEqual([]);
    expect(problemsOf({ ...GOOD, budget: { yellowAt: 0.5 } })).toEqual([
      'budget: name at least one cap: maxUsd, dailyUsd or monthlyUsd',
    ]);
    expect(problemsOf({ ...GOOD, routing: { downgradeTo: 'gpt-9-nano' } })).toEqual([
      'routing.downgradeTo: "gpt-9-nano" has no price, so the downgrade\'s spend could not be held to the budget',
      'routing.downgradeTo: only used with a budget (the rest of a run goes there from budget.yellowAt)',
    ]);
  });
  it('refuses a model with no price instead of reporting it at $0', () => {
    expect(problemsOf({ ...GOOD, model: 'gpt-9-unknown' })).toEqual([
      'model: "gpt-9-unknown" has no price in common/pricing.json, so its cost could not be reported; use a priced model or add its prices to a `pricing` file',
    ]);
  });
  it('prices an Azure deployment as the model it runs (deploymentModel)', () => {
    const azure = { ...GOOD, provider: 'azure-openai', model: 'prod-labeler' };
    expect(problemsOf(azure)).toEqual([
      'model: "prod-labeler" (an Azure deployment) has no price; name the model it runs with deploymentModel (e.g. gpt-4.1-mini)',
    ]);
    const spec = loadSpec(world({ ...azure, deploymentModel: 'gpt-4.1-mini' }, FILES));
    expect(spec).toMatchObject({ model: 'prod-labeler', priceModel: 'gpt-4.1-mini' });
    expect(problemsOf({ ...GOOD, deploymentModel: 'gpt-4.1-mini' })).toEqual([
      'deploymentModel: only for provider azure-openai (the model a deployment runs)',
    ]);
  });
});
