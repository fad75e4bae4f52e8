// What `run --wait` prints while a run plans, away from a terminal: a line at once, then one at
// the end with every line read and the rate.
import { PassThrough } from 'node:stream';
import { describePlan, PlanView } from '../../client/plan-progress';

describe('the plan view', () => {
  it('says how far the plan read, and the count when it ended, once', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    // A clock a second on at each look, so the plan took time (the same millisecond has no rate).
    let now = 1_000_000;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => (now += 1000));
    try {
      const view = new PlanView(out, false);
      view.show(undefined);
      view.show({ lines: 5000, perSecond: 2500 }); // within 5 s of the last line: not printed
      view.end(1_250_000);
      view.end(1_250_000);
    } finally {
      clock.mockRestore();
    }
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('planning: reading the input');
    expect(lines[1]).toMatch(/^planning: 1,250,000 lines read \([\d,]+ rows\/s\)$/);
  });

  it('prints nothing at the end of a plan it never saw (a run reattached after planning)', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    new PlanView(out, false).end(10);
    expect(text).toBe('');
    expect(describePlan({ lines: 41_000, perSecond: 0 })).toBe('planning: 41,000 lines read');
  });
});
