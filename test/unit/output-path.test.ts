// No run id, schedule name or item id moves a run's files out of its output folder: the worker
// refuses an output.dir with a "..", "." or "//" segment, and a run id that is not one folder name.
import { ApplicationFailure } from '@temporalio/common';
import { assertOutputDir, assertPathSegment } from '../../activities/plan/output-guard';
import { outputDirProblem, pathSegmentProblem } from '../../common/output-path';

describe('outputDirProblem', () => {
  it.each(['/srv/out', '/srv/out/', '/srv/out/nightly-2026-01-01T03:00:00Z', '/', 'C:\\out\\run', 'C:/out'])(
    'accepts the absolute, normalized folder %s',
    (dir) => expect(outputDirProblem(dir)).toBeUndefined(),
  );

  it('refuses a run id with "../" spliced in (a schedule\'s <output.dir>/<run id>)', () => {
    expect(outputDirProblem('/srv/out/../../etc/x')).toBe(
      'has a ".." segment: a run id or name with "../" cannot choose where files go',
    );
    expect(outputDirProblem('C:\\out\\..\\windows')).toMatch(/^has a "\.\." segment/);
  });

  it('refuses an absolute run id spliced in, ".", a relative folder that climbs, and NUL', () => {
    expect(outputDirProblem('/srv/out//abs/path')).toBe(
      'has an empty segment ("//"): a run id or name cannot be an absolute path',
    );
    expect(outputDirProblem('/srv/out/./x')).toBe('has a "." segment');
    // A files worker's relative folder is its own to resolve, but it cannot climb either.
    expect(outputDirProblem('out/x')).toBeUndefined();
    expect(outputDirProblem('../x')).toMatch(/^has a "\.\." segment/);
    expect(outputDirProblem('out//abs')).toMatch(/^has an empty segment/);
    expect(outputDirProblem('/srv/out/a\0b')).toBe('contains a NUL character');
  });
});

describe('pathSegmentProblem', () => {
  it.each(['run-1', 'nightly-2026-01-01T03:00:00Z', 'a..b', '.hidden'])('accepts %s as one folder name', (v) =>
    expect(pathSegmentProblem(v)).toBeUndefined(),
  );

  it.each([
    ['../../etc/x', 'contains "/" or "\\" (it would name another folder)'],
    ['/abs/path', 'contains "/" or "\\" (it would name another folder)'],
    ['..\\up', 'contains "/" or "\\" (it would name another folder)'],
    ['..', 'is ".."'],
    ['.', 'is "."'],
    ['', 'is empty'],
  ])('refuses %j', (value, problem) => expect(pathSegmentProblem(value)).toBe(problem));
});

describe('the worker guard', () => {
  it('fails non-retryably with one line naming the field', () => {
    const thrown = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error;
      }
      throw new Error('did not throw');
    };
    const dir = thrown(() => assertOutputDir('/srv/out/../../etc/x'));
    expect(dir).toBeInstanceOf(ApplicationFailure);
    expect(dir).toMatchObject({
      type: 'OutputPathUnsafe',
      nonRetryable: true,
      message:
        'output.dir "/srv/out/../../etc/x" has a ".." segment: a run id or name with "../" cannot choose where files go',
    });
    expect(thrown(() => assertPathSegment('/abs/path', 'estimate id'))).toMatchObject({
      type: 'OutputPathUnsafe',
      nonRetryable: true,
      message:
        'estimate id "/abs/path" cannot name a folder under output.dir: it contains "/" or "\\" (it would name another folder)',
    });
    expect(assertOutputDir('/srv/out/run-1')).toBe('/srv/out/run-1');
    expect(assertPathSegment('run-1', 'estimate id')).toBe('run-1');
  });
});
