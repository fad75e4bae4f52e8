// The budget guard's decisions on numbers alone: which zone a run is in, which model the next
// submission goes to, and the exact sentence a user reads when a cap stops it (both numbers said).
import { capsOf, decideSpend, preflightProblem, usd } from '../../common';

const spent = (run: number, day = run, month = day) => ({ run, day, month });

describe('usd', () => {
  it('shows cents from a dollar up, and four decimals below one', () => {
    expect(usd(12.5)).toBe('$12.50');
    expect(usd(1)).toBe('$1.00');
    expect(usd(0.0123)).toBe('$0.0123');
    expect(usd(0)).toBe('$0.0000');
  });
});

describe('capsOf', () => {
  it('has no caps without a budget', () => {
    expect(capsOf(undefined)).toEqual({});
  });

  it('names only the caps the spec sets', () => {
    expect(capsOf({ maxUsd: 5, dailyUsd: 20, yellowAt: 0.8 })).toEqual({ run: 5, day: 20 });
    expect(capsOf({ monthlyUsd: 300, yellowAt: 0.8 })).toEqual({ month: 300 });
  });

  it('takes the run cap that `llmbatch budget` set over the spec', () => {
    expect(capsOf({ maxUsd: 5, dailyUsd: 20, yellowAt: 0.8 }, 8)).toEqual({ run: 8, day: 20 });
    expect(capsOf(undefined, 3)).toEqual({ run: 3 });
  });
});

describe('decideSpend', () => {
  const next = { model: 'gpt-4.1', usd: 1 };
  const downgrade = { model: 'gpt-4.1-mini', usd: 0.25 };

  it('stays green on the spec model below yellowAt of every cap', () => {
    expect(decideSpend(spent(6), { run: 10, day: 100 }, 0.8, next, downgrade)).toEqual({
      ok: true,
      zone: 'green',
      model: 'gpt-4.1',
      usd: 1,
    });
  });

  it('is green whatever the spend when no cap is set', () => {
    expect(decideSpend(spent(1e6), {}, 1, next, downgrade)).toEqual({
      ok: true,
      zone: 'green',
      model: 'gpt-4.1',
      usd: 1,
    });
  });

  it('turns yellow at yellowAt of the run cap and sends the rest of the run to the downgrade model', () => {
    expect(decideSpend(spent(7), { run: 10 }, 0.8, next, downgrade)).toEqual({
      ok: true,
      zone: 'yellow',
      model: 'gpt-4.1-mini',
      usd: 0.25,
      message:
        'spend reaches 80% of budget.maxUsd $10.00 ($7.00 spent or reserved by this run): ' +
        'the rest of the run goes to gpt-4.1-mini',
    });
  });

  it('stays on the spec model in yellow when there is no downgrade, or it is the same model', () => {
    const message = 'spend reaches 80% of budget.maxUsd $10.00 ($7.50 spent or reserved by this run)';
    expect(decideSpend(spent(7.5), { run: 10 }, 0.8, next)).toEqual({
      ok: true,
      zone: 'yellow',
      model: 'gpt-4.1',
      usd: 1,
      message,
    });
    expect(decideSpend(spent(7.5), { run: 10 }, 0.8, next, { model: 'gpt-4.1', usd: 0.5 })).toEqual({
      ok: true,
      zone: 'yellow',
      model: 'gpt-4.1',
      usd: 1,
      message,
    });
  });

  it('names the daily cap when every run today is what reaches yellowAt', () => {
    const decision = decideSpend(
      { run: 1, day: 8.5, month: 8.5 },
      { run: 100, day: 10, month: 1000 },
      0.9,
      { model: 'claude-sonnet-4', usd: 0.5 },
      { model: 'claude-haiku-4-5', usd: 0.25 },
    );
    expect(decision).toEqual({
      ok: true,
      zone: 'yellow',
      model: 'claude-haiku-4-5',
      usd: 0.25,
      message:
        'spend reaches 90% of budget.dailyUsd $10.00 ($8.50 spent or reserved by every run today (UTC)): ' +
        'the rest of the run goes to claude-haiku-4-5',
    });
  });

  it('lets a submission that lands exactly on the cap through', () => {
    expect(decideSpend(spent(9), { run: 10 }, 0.8, next)).toMatchObject({ ok: true, zone: 'yellow', usd: 1 });
  });

  it('goes red when the next submission would not fit, saying the cap, the spend and the need', () => {
    expect(decideSpend(spent(9.5), { run: 10 }, 0.8, next)).toEqual({
      ok: false,
      zone: 'red',
      message:
        'budget.maxUsd $10.00 would be exceeded: $9.50 spent or reserved by this run, ' +
        'and the next submission needs about $1.00',
    });
  });

  it('keeps going on the downgrade model when only the downgrade fits', () => {
    expect(decideSpend(spent(9.5), { run: 10 }, 0.8, next, downgrade)).toMatchObject({
      ok: true,
      zone: 'yellow',
      model: 'gpt-4.1-mini',
      usd: 0.25,
    });
  });

  it('goes red with the downgrade figure when even the downgrade does not fit', () => {
    expect(decideSpend(spent(9.5), { run: 10 }, 0.8, next, { model: 'gpt-4.1-mini', usd: 0.625 })).toEqual({
      ok: false,
      zone: 'red',
      message:
        'budget.maxUsd $10.00 would be exceeded: $9.50 spent or reserved by this run, ' +
        'and the next submission needs about $0.6250',
    });
  });

  it('goes red on the monthly cap that other runs used up', () => {
    expect(
      decideSpend({ run: 0, day: 0, month: 49.75 }, { run: 10, month: 50 }, 0.8, { model: 'gpt-4.1', usd: 0.5 }),
    ).toEqual({
      ok: false,
      zone: 'red',
      message:
        'budget.monthlyUsd $50.00 would be exceeded: $49.75 spent or reserved by every run this month (UTC), ' +
        'and the next submission needs about $0.5000',
    });
  });
});

describe('preflightProblem', () => {
  it('lets a run whose estimate fits every cap start', () => {
    expect(preflightProblem(9, spent(0, 5, 50), { run: 10, day: 20, month: 100 })).toBeUndefined();
    expect(preflightProblem(10, spent(0), { run: 10 })).toBeUndefined();
    expect(preflightProblem(1000, spent(0), {})).toBeUndefined();
  });

  it('refuses an estimate above budget.maxUsd, with both numbers', () => {
    expect(preflightProblem(12.5, spent(0), { run: 10, day: 5 })).toBe(
      'the estimate $12.50 exceeds budget.maxUsd $10.00; nothing was submitted (raise the cap, or see `llmbatch estimate`)',
    );
  });

  it('refuses an estimate above what is left of budget.dailyUsd', () => {
    expect(preflightProblem(6, spent(0, 15, 15), { run: 10, day: 20 })).toBe(
      'the estimate $6.00 exceeds what is left of budget.dailyUsd $20.00: $5.00 ' +
        '($15.00 spent by every run today (UTC)); nothing was submitted',
    );
    expect(preflightProblem(5, spent(0, 15, 15), { day: 20 })).toBeUndefined();
  });

  it('says nothing is left of budget.monthlyUsd once other runs spent past it', () => {
    expect(preflightProblem(0.5, spent(0, 0, 120), { month: 100 })).toBe(
      'the estimate $0.5000 exceeds what is left of budget.monthlyUsd $100.00: $0.0000 ' +
        '($120.00 spent by every run this month (UTC)); nothing was submitted',
    );
  });
});
