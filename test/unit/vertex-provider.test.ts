// The Vertex adapter's own decisions: where each Vertex job state puts a batch (PAUSED and QUEUED
// wait under the start deadline, PARTIALLY_SUCCEEDED is collected), how a failed prediction row's
// status text is classified, and where project, location and bucket come from (the spec first).
import { classifyHttpFailure, isRetryableKind } from '../../common';
import { createProviderRegistry, ProviderConfigError } from '../../providers';
import { parseGeminiResult } from '../../providers/google/gemini-batch';
import { JobState } from '../../providers/google/genai';
import { VERTEX_STATUS, rowError, splitGsUri } from '../../providers/google/vertex-batch';

describe('the Vertex AI adapter', () => {
  it('maps every Vertex job state onto the lifecycle', () => {
    expect(VERTEX_STATUS[JobState.JOB_STATE_QUEUED]).toBe('validating');
    expect(VERTEX_STATUS[JobState.JOB_STATE_PENDING]).toBe('validating');
    expect(VERTEX_STATUS[JobState.JOB_STATE_PAUSED]).toBe('validating');
    expect(VERTEX_STATUS[JobState.JOB_STATE_RUNNING]).toBe('in_progress');
    expect(VERTEX_STATUS[JobState.JOB_STATE_SUCCEEDED]).toBe('completed');
    expect(VERTEX_STATUS[JobState.JOB_STATE_PARTIALLY_SUCCEEDED]).toBe('completed');
    expect(VERTEX_STATUS[JobState.JOB_STATE_FAILED]).toBe('failed');
    expect(VERTEX_STATUS[JobState.JOB_STATE_CANCELLING]).toBe('cancelling');
    expect(VERTEX_STATUS[JobState.JOB_STATE_CANCELLED]).toBe('cancelled');
    expect(VERTEX_STATUS[JobState.JOB_STATE_EXPIRED]).toBe('expired');
  });

  it('classifies a failed row by the error body in its status: 400 dead-letters, 429 and 500 retry', () => {
    const bad = parseGeminiResult(
      'k1',
      undefined,
      rowError(
        'Bad Request: {"error": {"code": 400, "message": "Please use a valid role", "status": "INVALID_ARGUMENT"}}',
      ),
    );
    expect(bad).toMatchObject({ ok: false, status: 400, code: 'INVALID_ARGUMENT', message: 'Please use a valid role' });
    const busy = parseGeminiResult(
      'k2',
      undefined,
      rowError('Too Many Requests: {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}}'),
    );
    expect(busy).toMatchObject({ ok: false, status: 429 });
    const odd = parseGeminiResult('k3', undefined, rowError('something went wrong'));
    expect(odd).toMatchObject({ ok: false, status: 500, message: 'something went wrong' });
    expect(isRetryableKind(classifyHttpFailure(400, 'INVALID_ARGUMENT'))).toBe(false);
    expect(isRetryableKind(classifyHttpFailure(429, 'RESOURCE_EXHAUSTED'))).toBe(true);
    expect(isRetryableKind(classifyHttpFailure(500))).toBe(true);
  });

  it('splits gs:// URIs into bucket and prefix', () => {
    expect(splitGsUri('gs://b')).toEqual({ bucket: 'b', prefix: '' });
    expect(splitGsUri('gs://b/a/c/')).toEqual({ bucket: 'b', prefix: 'a/c' });
  });

  it('takes project, location and bucket from the spec first, the environment for the rest', () => {
    const registry = createProviderRegistry({
      log: () => {},
      vertexProject: 'env-project',
      vertexLocation: 'us-central1',
    });
    expect(() => registry.get('vertex', 'gemini-2.5-flash')).toThrow(ProviderConfigError);
    expect(() => registry.get('vertex', 'gemini-2.5-flash')).toThrow(
      'provider "vertex" needs a bucket (vertex.bucket or LLMBATCH_VERTEX_BUCKET)',
    );
    const a = registry.get('vertex', 'gemini-2.5-flash', { vertex: { bucket: 'gs://a' } });
    const b = registry.get('vertex', 'gemini-2.5-flash', { vertex: { bucket: 'gs://b', project: 'other-project' } });
    expect(a).not.toBe(b);
    expect(registry.get('vertex', 'gemini-2.5-flash', { vertex: { bucket: 'gs://a' } })).toBe(a);
  });
});
