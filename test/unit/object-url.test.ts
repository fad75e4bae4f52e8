// s3:// and gs:// URLs as a spec names them: parsed into bucket and key, refused with a reason when
// they cannot name a place, a glob split into the prefix it is listed from and the keys it matches,
// and output folders in a bucket checked as local ones are (a run id cannot climb out).
import { matchingObjects } from '../../activities/inputs/object-shards';
import { joinLocation } from '../../activities/object-store/location';
import { globListing, keyUnder, objectUrlProblem, parseObjectUrl } from '../../common/object-url';
import { outputDirProblem } from '../../common/output-path';

describe('object URLs', () => {
  it('parses bucket and key', () => {
    expect(parseObjectUrl('s3://data-lake/tickets/2026/part-1.parquet')).toEqual({
      scheme: 's3',
      bucket: 'data-lake',
      key: 'tickets/2026/part-1.parquet',
    });
    expect(parseObjectUrl('gs://my.bucket')).toEqual({ scheme: 'gs', bucket: 'my.bucket', key: '' });
    expect(parseObjectUrl('gs://my_bucket/out/')).toEqual({ scheme: 'gs', bucket: 'my_bucket', key: 'out/' });
  });

  it.each([
    ['s3://', /names no bucket/],
    ['s3:///key', /names no bucket/],
    ['s3://My Bucket/x', /is not a bucket name/],
    ['gs://b/x', /is not a bucket name/],
    ['s3://bucket//x', /"\/\/" after the bucket/],
    ['http://bucket/x', /expected s3:\/\/bucket\/key/],
  ])('refuses %s', (url, problem) => {
    expect(objectUrlProblem(url)).toMatch(problem);
    expect(() => parseObjectUrl(url)).toThrow(problem);
  });

  it('names keys under a prefix without doubled slashes', () => {
    expect(keyUnder('out/', '/run-1/', 'results.jsonl')).toBe('out/run-1/results.jsonl');
    expect(keyUnder('', 'report.json')).toBe('report.json');
    expect(joinLocation('s3://b/out/', 'run-1', 'report.json')).toBe('s3://b/out/run-1/report.json');
    expect(joinLocation('gs://b', 'report.json')).toBe('gs://b/report.json');
    expect(joinLocation('/tmp/out', 'report.json')).toBe('/tmp/out/report.json');
  });

  it('checks an output prefix as a folder: no ".." or "//" spliced in by a run id', () => {
    expect(outputDirProblem('s3://bkt/out/run-1')).toBeUndefined();
    expect(outputDirProblem('s3://bkt')).toBeUndefined();
    expect(outputDirProblem('gs://bkt/out/')).toBeUndefined();
    expect(outputDirProblem('s3://bkt/out/../other')).toMatch(/".." segment/);
    expect(outputDirProblem('s3://bkt/out//abs')).toMatch(/empty segment/);
    expect(outputDirProblem('s3://B/out')).toMatch(/not a bucket name/);
  });
});

describe('globs of shards in a bucket', () => {
  it('lists from the literal prefix before the first wildcard', () => {
    expect(globListing('parts/part-*.parquet')).toEqual({
      prefix: 'parts/',
      base: 'parts',
      pattern: 'parts/part-*.parquet',
    });
    expect(globListing('a/b/*/x-?.jsonl').prefix).toBe('a/b/');
    expect(globListing('*.csv')).toEqual({ prefix: '', base: '', pattern: '*.csv' });
  });

  it('matches whole keys, `*` within one folder, and skips folder placeholders', () => {
    const objects = [
      'parts/',
      'parts/part-1.parquet',
      'parts/part-10.parquet',
      'parts/part-2.parquet.tmp',
      'parts/old/part-3.parquet',
      'parts/readme.txt',
    ].map((key) => ({ key, size: 1 }));
    expect(matchingObjects(objects, 'parts/part-*.parquet').map((o) => o.key)).toEqual([
      'parts/part-1.parquet',
      'parts/part-10.parquet',
    ]);
    expect(matchingObjects(objects, 'parts/**/part-*.parquet').map((o) => o.key)).toEqual([
      'parts/part-1.parquet',
      'parts/part-10.parquet',
      'parts/old/part-3.parquet',
    ]);
    expect(matchingObjects(objects, 'parts/part-{1,2}.parquet').map((o) => o.key)).toEqual(['parts/part-1.parquet']);
  });
});
