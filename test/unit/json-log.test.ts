// LLMBATCH_LOG_FORMAT=json (workers/json-log.ts): one line of JSON per entry, with our run id and
// chunk from the Temporal context, Temporal's own run id moved aside, and stacks kept in one field.
import { jsonLogLine, runOfWorkflowId } from '../../workers/json-log';

const at = BigInt(Date.UTC(2026, 0, 2, 3, 4, 5, 678)) * 1_000_000n;

describe('JSON log lines', () => {
  it('has time, level and message first, and the run and chunk of an activity', () => {
    const line = jsonLogLine({
      level: 'WARN',
      message: 'batch output had lines for unknown custom_ids',
      timestampNanos: at,
      meta: {
        sdkComponent: 'activity',
        workflowId: 'tickets-20260102T030405Z/chunk-007',
        workflowRunId: '0190-abc',
        activityType: 'collectBatch',
        attempt: 2,
        taskToken: 'Q0FFU0VB'.repeat(40),
        unknown: 3,
      },
    });
    expect(line).not.toContain('\n');
    const parsed = JSON.parse(line);
    expect(Object.keys(parsed).slice(0, 5)).toEqual(['time', 'level', 'message', 'runId', 'chunk']);
    expect(parsed).toMatchObject({
      time: '2026-01-02T03:04:05.678Z',
      level: 'WARN',
      runId: 'tickets-20260102T030405Z',
      chunk: 7,
      workflowRunId: '0190-abc',
      activityType: 'collectBatch',
      attempt: 2,
      unknown: 3,
    });
    expect(parsed.taskToken).toBeUndefined();
  });

  it("moves a workflow's Temporal run id aside: runId is always ours", () => {
    const parsed = JSON.parse(
      jsonLogLine({
        level: 'INFO',
        message: 'plan done',
        timestampNanos: at,
        meta: { sdkComponent: 'workflow', workflowId: 'nightly-2026', runId: '0190-temporal-uuid' },
      }),
    );
    expect(parsed).toMatchObject({ runId: 'nightly-2026', workflowRunId: '0190-temporal-uuid' });
    expect(parsed.chunk).toBeUndefined();
    // The worker's own lines about a workflow name Temporal's run id `runId` too.
    const worker = JSON.parse(
      jsonLogLine({
        level: 'DEBUG',
        message: 'Workflow started',
        timestampNanos: at,
        meta: { sdkComponent: 'worker', workflowId: 'r9/chunk-002', runId: '0190-uuid' },
      }),
    );
    expect(worker).toMatchObject({ runId: 'r9', chunk: 2, workflowRunId: '0190-uuid' });
  });

  it('keeps a runId and chunk an activity logs itself', () => {
    const parsed = JSON.parse(
      jsonLogLine({ level: 'INFO', message: 'sync round done', timestampNanos: at, meta: { runId: 'r1', chunk: 0 } }),
    );
    expect(parsed).toMatchObject({ runId: 'r1', chunk: 0 });
  });

  it('turns an error and its multi-line stack into one field, causes and bigints included', () => {
    const cause = new Error('connect ECONNREFUSED');
    const error = Object.assign(new Error('batch create failed', { cause }), { type: 'ServerError' });
    const line = jsonLogLine({
      level: 'ERROR',
      message: 'Activity failed',
      timestampNanos: at,
      meta: { error, bytes: 12n },
    });
    expect(line.split('\n')).toHaveLength(1);
    const parsed = JSON.parse(line);
    expect(parsed.error).toMatchObject({
      name: 'Error',
      message: 'batch create failed',
      type: 'ServerError',
      cause: { message: 'connect ECONNREFUSED' },
    });
    expect(String(parsed.error.stack).split('\n').length).toBeGreaterThan(2);
    expect(parsed.bytes).toBe('12');
  });

  it('still writes a line when a field cannot be serialised', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    const parsed = JSON.parse(jsonLogLine({ level: 'INFO', message: 'x', timestampNanos: at, meta: { loop } }));
    expect(parsed).toMatchObject({ message: 'x', unserializableMeta: true });
  });

  it('reads run and chunk from workflow ids', () => {
    expect(runOfWorkflowId('a/b/chunk-0012')).toEqual({ runId: 'a/b', chunk: 12 });
    expect(runOfWorkflowId('demo-20261125T214938Z')).toEqual({ runId: 'demo-20261125T214938Z' });
  });
});
