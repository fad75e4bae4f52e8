// Each service's errors in the words a spec's author needs, the same for S3 and Cloud Storage: a
// refusal and a missing bucket are permanent (bad input, refused before anything is spent), an
// unreachable service is worth trying again, and every message is one line.
import { gcsError } from '../../activities/object-store/gcs';
import { s3Error } from '../../activities/object-store/s3';

describe('storage errors', () => {
  it.each([
    [
      { name: 'NoSuchBucket', message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } },
      'no_bucket',
      'bucket lake does not exist',
    ],
    [
      { name: 'AccessDenied', message: 'Access Denied\nmore', $metadata: { httpStatusCode: 403 } },
      'refused',
      'access to bucket lake was refused (AccessDenied: Access Denied)',
    ],
    [
      { name: 'InvalidAccessKeyId', message: 'The key does not exist', $metadata: { httpStatusCode: 403 } },
      'refused',
      /^access to bucket lake was refused/,
    ],
    [
      { name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' },
      'unreachable',
      /^the storage service cannot be reached/,
    ],
  ])('S3 %#', (raw, kind, message) => {
    const error = s3Error(Object.assign(new Error(raw.message), raw), 'lake');
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
    expect(error.permanent).toBe(kind !== 'unreachable');
  });

  it.each([
    [{ code: 404, message: 'The specified bucket does not exist.' }, 'no_bucket', 'bucket lake does not exist'],
    [
      { code: 403, message: 'caller does not have storage.objects.get access' },
      'refused',
      /^access to bucket lake was refused/,
    ],
    [{ code: 401, message: 'Anonymous caller' }, 'refused', /^access to bucket lake was refused/],
    [
      { code: 404, message: 'No such object: lake/x.jsonl' },
      'not_found',
      'no such object (No such object: lake/x.jsonl)',
    ],
    [
      { code: 'ECONNREFUSED', message: 'request to http://127.0.0.1:9 failed' },
      'unreachable',
      /^the storage service cannot be reached/,
    ],
  ])('Cloud Storage %#', (raw, kind, message) => {
    const error = gcsError(Object.assign(new Error(raw.message), raw), 'lake');
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(message);
  });
});
