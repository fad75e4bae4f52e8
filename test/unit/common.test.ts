import {
  TemplateFieldMissing,
  baseModelId,
  classifyHttpFailure,
  costUsd,
  formatDuration,
  isRetryableKind,
  parseDuration,
  renderTemplate,
  templateFields,
} from '../../common';
import { escapeDollars } from '../../workflows/batch-run';

describe('templates', () => {
  it('substitutes fields, dotted paths, numbers and objects', () => {
    const item = { subject: 'Late', n: 3, customer: { name: 'Ana' }, tags: ['a'] };
    expect(renderTemplate('{{subject}} #{{ n }} by {{customer.name}} {{tags}}', item)).toBe('Late #3 by Ana ["a"]');
    expect(templateFields('{{a}} and {{ b.c }}')).toEqual(['a', 'b.c']);
  });
  it('names the missing field, and a null one as null', () => {
    expect(() => renderTemplate('{{subject}}: {{body}}', { subject: 'x' })).toThrow(new TemplateFieldMissing('body'));
    expect(() => renderTemplate('{{body}}', { body: null })).toThrow('template field "body" is null');
    expect(() => renderTemplate('{{a.b}}', { a: { b: null } })).toThrow('template field "a.b" is null');
  });
});

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['60s', 60_000],
    ['5m', 300_000],
    ['20h', 72_000_000],
    ['1.5s', 1500],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it('refuses what it cannot read', () => expect(() => parseDuration('soon')).toThrow(/not a duration/));
  it.each([
    [86_400_000, '24h'],
    [72_000_000, '20h'],
    [5_400_000, '90m'],
    [2000, '2s'],
    [1500, '1500ms'],
    [0, '0ms'],
  ])('%d ms is written %s, and reads back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('pricing', () => {
  it('prices batch at half of sync, per million tokens', () => {
    expect(costUsd('gpt-4.1-mini', 'sync', 1_000_000, 1_000_000)).toBeCloseTo(2.0);
    expect(costUsd('gpt-4.1-mini', 'batch', 1_000_000, 1_000_000)).toBeCloseTo(1.0);
    expect(costUsd('claude-sonnet-4', 'batch', 2_000_000, 0)).toBeCloseTo(3.0);
  });
  it('prices dated variants as their base', () => {
    expect(baseModelId('claude-sonnet-4-20250514')).toBe('claude-sonnet-4');
    expect(baseModelId('gpt-4.1-2025-04-14')).toBe('gpt-4.1');
    expect(costUsd('gpt-4.1-2025-04-14', 'sync', 1_000_000, 0)).toBeCloseTo(2.0);
  });
  it('charges nothing it cannot price rather than guessing', () => {
    expect(costUsd('some-future-model', 'batch', 1000, 1000)).toBe(0);
  });
});

describe('failure classification', () => {
  it.each([
    [429, undefined, 'rate_limited', true],
    [500, undefined, 'server_error', true],
    [503, undefined, 'server_error', true],
    [400, 'invalid_request_error', 'invalid_request', false],
    // The key, not the item: retried once the key works again, never dead-lettered for it.
    [401, undefined, 'auth', true],
    [403, undefined, 'auth', true],
    [409, undefined, 'conflict', true],
    [408, undefined, 'timeout', true],
    [404, undefined, 'not_found', false],
    [400, 'content_policy_violation', 'content_policy', false],
    [undefined, 'batch_expired', 'expired', true],
    [undefined, 'batch_cancelled', 'cancelled', true],
  ])('HTTP %s %s is %s (retryable %s)', (status, code, kind, retryable) => {
    const k = classifyHttpFailure(status, code);
    expect(k).toBe(kind);
    expect(isRetryableKind(k)).toBe(retryable);
  });
});

describe('Web UI details', () => {
  it('escapes dollars outside code spans, so two prices in a line are not read as a formula', () => {
    expect(escapeDollars('cap $0.0100 would be exceeded: $0.0093 spent; run `llmbatch budget x --max-usd $N`')).toBe(
      'cap \\$0.0100 would be exceeded: \\$0.0093 spent; run `llmbatch budget x --max-usd $N`',
    );
  });
});
