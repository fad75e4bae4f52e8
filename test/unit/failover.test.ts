// Failover may move a chunk only when its first provider surely holds no batch of it: a create
// refused outright leaves it free, one that may have been committed keeps it where it is.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createFailoverActivities } from '../../activities/batch/failover';
import { CircuitOpenError, mayHaveReachedProvider } from '../../providers';
import type { RunStore } from '../../store';
import { quietActivityEnvironment, useTestStore } from '../support/fake-provider';

const status = (code: number) =>
  OpenAI.APIError.generate(code, { error: { message: 'x', type: 'x', code: null } }, 'x', new Headers());
const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

describe('mayHaveReachedProvider', () => {
  it.each([
    ['a 503', status(503), false],
    ['a 429', status(429), false],
    [
      "Anthropic's 529 overloaded",
      Anthropic.APIError.generate(
        529,
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
        'x',
        new Headers(),
      ),
      false,
    ],
    ['a 400', status(400), false],
    ['an open circuit', new CircuitOpenError('openai', 1000), false],
    ['a refused connection', new OpenAI.APIConnectionError({ cause: refused }), false],
    ['a 500', status(500), true],
    ['a timeout', new OpenAI.APIConnectionTimeoutError(), true],
    ['a dropped connection', new OpenAI.APIConnectionError({ cause: reset }), true],
  ])('%s: %s', (_name, error, reached) => {
    expect(mayHaveReachedProvider(error)).toBe(reached);
  });
});

describe('prepareFailover', () => {
  let store: RunStore;
  useTestStore((s) => (store = s));
  const run = (runId: string) =>
    quietActivityEnvironment().run(createFailoverActivities({ store, providers: {} as never }).prepareFailover, {
      runId,
      chunk: 0,
      strike: 1,
    });

  it('frees a strike whose create was refused: its slot, its reservation and its intent go', async () => {
    await store.batches.save('free', 0, 1, { status: 'intent', model: 'gpt-4.1-mini', attempt: 1 });
    await store.spend.reserve('free', 0, 1, 'gpt-4.1-mini', 0.5);
    await store.batchSlots.take({
      key: 'k',
      runId: 'free',
      chunk: 0,
      strike: 1,
      tokens: 1,
      maxBatches: 1,
      maxTokens: 0,
    });
    expect(await run('free')).toEqual({ ok: true });
    expect(await store.batches.get('free', 0, 1)).toBeUndefined();
    expect(await store.spend.reservation('free', 0, 1)).toBeUndefined();
    expect(
      await store.batchSlots.take({
        key: 'k',
        runId: 'other',
        chunk: 0,
        strike: 1,
        tokens: 1,
        maxBatches: 1,
        maxTokens: 0,
      }),
    ).toMatchObject({ taken: true });
  });

  it('keeps a strike whose create may have been committed, or whose batch exists', async () => {
    await store.batches.save('unsure', 0, 1, { status: 'intent', model: 'gpt-4.1-mini', attempt: 1 });
    await store.batches.markCreateUncertain('unsure', 0, 1);
    expect(await run('unsure')).toEqual({
      ok: false,
      reason: 'a create may have reached the provider without an answer coming back',
    });
    await store.batches.save('made', 0, 1, { providerBatchId: 'batch_1', status: 'validating', model: 'gpt-4.1-mini' });
    expect(await run('made')).toEqual({ ok: false, reason: 'its batch batch_1 exists' });
  });
});
