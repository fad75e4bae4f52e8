// Where the file activities go (workflows/files-queue.ts) and how the CLI and the worker pick the
// files queue (client/files-queue.ts, workers/main.ts).
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { resolveFilesQueue } from '../../client/files-queue';
import { loadConfig } from '../../common/config';
import { runWorker } from '../../workers/main';
import { ioProfile } from '../../workflows/activity-profiles';
import { noFilesWorker, noFilesWorkerMessage, onFilesWorker } from '../../workflows/files-queue';

function activityFailure(cause: Error): ActivityFailure {
  return new ActivityFailure('activity failed', 'planRun', '1', RetryState.NON_RETRYABLE_FAILURE, 'w', cause);
}

describe('the files queue in a workflow', () => {
  test('without one, a files activity keeps its options exactly (one worker: nothing changes)', () => {
    expect(onFilesWorker(ioProfile, {})).toBe(ioProfile);
  });

  test('with one, it goes there and waits for a worker at most filesWorkerWaitMs (5 minutes by default)', () => {
    expect(onFilesWorker(ioProfile, { filesQueue: 'files-a', filesWorkerWaitMs: 1500 })).toEqual({
      ...ioProfile,
      taskQueue: 'files-a',
      scheduleToStartTimeout: 1500,
    });
    expect(onFilesWorker(ioProfile, { filesQueue: 'files-a' }).scheduleToStartTimeout).toBe(300_000);
    expect(onFilesWorker(ioProfile, { filesQueue: 'files-a' }, 'unbounded')).toEqual({
      ...ioProfile,
      taskQueue: 'files-a',
    });
  });

  test('only a schedule-to-start timeout means no files worker', () => {
    expect(noFilesWorker(activityFailure(new TimeoutFailure('t', undefined, 'SCHEDULE_TO_START')))).toBe(true);
    expect(noFilesWorker(activityFailure(new TimeoutFailure('t', undefined, 'START_TO_CLOSE')))).toBe(false);
    expect(noFilesWorker(activityFailure(ApplicationFailure.nonRetryable('no such file', 'Error')))).toBe(false);
    expect(noFilesWorker(new TimeoutFailure('t', undefined, 'SCHEDULE_TO_START'))).toBe(false);
  });

  test('the message names the worker to start and where', () => {
    expect(
      noFilesWorkerMessage({ filesQueue: 'files-a', filesWorkerWaitMs: 300_000 }, 'the plan', '/data/in.jsonl'),
    ).toBe(
      'no worker took the plan from files queue "files-a" within 5 min: start `llmbatch worker --files-queue files-a` on the machine that sees /data/in.jsonl',
    );
  });
});

describe('choosing the files queue', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('the option, else the run it replays, else LLMBATCH_FILES_QUEUE, else none', () => {
    process.env.LLMBATCH_FILES_QUEUE = '';
    expect(resolveFilesQueue(undefined, 'llmbatch')).toEqual({});
    process.env.LLMBATCH_FILES_QUEUE = 'files-env';
    process.env.LLMBATCH_FILES_WORKER_WAIT = '30s';
    expect(resolveFilesQueue(undefined, 'llmbatch')).toEqual({ filesQueue: 'files-env', filesWorkerWaitMs: 30_000 });
    expect(resolveFilesQueue(undefined, 'llmbatch', 'files-run').filesQueue).toBe('files-run');
    expect(resolveFilesQueue('files-opt', 'llmbatch', 'files-run').filesQueue).toBe('files-opt');
  });

  test('a files queue that is the task queue is refused, by the CLI and by the worker', async () => {
    process.env.LLMBATCH_TASK_QUEUE = 'shared';
    expect(() => resolveFilesQueue('shared', 'shared')).toThrow(/--files-queue "shared" is the run's task queue/);
    await expect(runWorker({ filesQueue: 'shared' })).rejects.toThrow(
      'the files queue must differ from the task queue ("shared")',
    );
  });

  test('LLMBATCH_FILES_WORKER_WAIT is a duration', () => {
    expect(loadConfig({}).filesWorkerWaitMs).toBe(300_000);
    expect(() => loadConfig({ LLMBATCH_FILES_WORKER_WAIT: 'soon' })).toThrow(
      'LLMBATCH_FILES_WORKER_WAIT: expected a duration such as 250ms, 30s or 5m, got "soon"',
    );
  });
});
