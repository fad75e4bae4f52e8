import { ConfigError, DEFAULT_BREAKER_SETTINGS, ENV_VARS, loadConfig } from '../../common/config';

describe('loadConfig', () => {
  test('defaults come from the table, and empty counts as unset', () => {
    const config = loadConfig({ LLMBATCH_TASK_QUEUE: '' });
    expect(config.taskQueue).toBe(ENV_VARS.LLMBATCH_TASK_QUEUE.default);
    expect(config.store).toEqual({ databaseUrl: undefined, dir: '.llmbatch/store' });
    expect(config.shutdownGrace).toBe('30s');
    expect(config.logLevel).toBeUndefined();
    expect(config.ci).toBe(false);
    expect(DEFAULT_BREAKER_SETTINGS).toEqual({ threshold: 5, initialOpenMs: 5000, maxOpenMs: 300000 });
  });

  test('reads and converts what is set', () => {
    const config = loadConfig({
      LLMBATCH_BREAKER_THRESHOLD: '3',
      LLMBATCH_LOG_LEVEL: 'debug',
      LLMBATCH_SIMULATOR_URL: 'http://127.0.0.1:4010',
      DATABASE_URL: 'postgres://u:p@db/llmbatch',
      CI: 'true',
    });
    expect(config.providers.breaker.threshold).toBe(3);
    expect(config.logLevel).toBe('DEBUG');
    expect(config.providers.simulatorUrl).toBe('http://127.0.0.1:4010');
    expect(config.store.databaseUrl).toBe('postgres://u:p@db/llmbatch');
    expect(config.ci).toBe(true);
  });

  test('names every bad variable in one line each', () => {
    let error: unknown;
    try {
      loadConfig({ LLMBATCH_BREAKER_THRESHOLD: 'abc', LLMBATCH_SHUTDOWN_GRACE: 'soon', LLMBATCH_LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'LLMBATCH_BREAKER_THRESHOLD: expected a positive integer, got "abc"',
      'LLMBATCH_SHUTDOWN_GRACE: expected a duration such as 250ms, 30s or 5m, got "soon"',
      'LLMBATCH_LOG_LEVEL: expected one of TRACE, DEBUG, INFO, WARN, ERROR, got "loud"',
    ]);
  });
});
