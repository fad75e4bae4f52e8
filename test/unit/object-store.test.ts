// The object stores behind s3:// and gs:// against the real emulators (gofakes3, fake-gcs-server),
// through the official SDKs: a glob of shards read in key order as one dataset, Parquet read by
// ranged GETs, a large file uploaded in parts, and each kind of bad place as one clear error.
import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDataset, type DatasetEntry } from '../../activities/inputs/dataset';
import { listShards } from '../../activities/inputs/shards';
import { objectAt } from '../../activities/object-store';
import { probeOutputUrl } from '../../activities/object-store/probe';
import { uploadFileToS3 } from '../../activities/object-store/s3-upload';
import type { S3ObjectStore } from '../../activities/object-store/s3';
import { startObjectStorage, type ObjectStorage } from '../support/object-storage';
import { writeParquet } from '../support/parquet-files';

async function read(input: string, format: Parameters<typeof readDataset>[1]): Promise<DatasetEntry[]> {
  const out: DatasetEntry[] = [];
  for await (const entry of readDataset(input, format)) out.push(entry);
  return out;
}

describe.each(['s3', 'gs'] as const)('%s:// object store', (scheme) => {
  let storage: ObjectStorage;
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-objects-'));
  const bucket = `data-${scheme}`;
  const url = (key: string) => `${scheme}://${bucket}/${key}`;
  beforeAll(async () => {
    storage = await startObjectStorage();
    await storage.createBucket(scheme, bucket);
  }, 300_000);
  afterAll(async () => storage?.stop());

  it('reads a glob of JSONL shards in key order as one dataset, rejections named file:row', async () => {
    writeFileSync(join(dir, 'a.jsonl'), '{"id":"a1"}\n{"id":"a2"}\n');
    writeFileSync(join(dir, 'b.jsonl'), '{"id":"b1"}\nnot json\n');
    await storage.putFile(url('parts/part-2.jsonl'), join(dir, 'b.jsonl'));
    await storage.putFile(url('parts/part-1.jsonl'), join(dir, 'a.jsonl'));
    await storage.putFile(url('parts/other.txt'), join(dir, 'a.jsonl'));
    const entries = await read(url('parts/part-*.jsonl'), 'jsonl');
    expect(entries).toEqual([
      { line: 1, record: { id: 'a1' }, at: 'part-1.jsonl:1' },
      { line: 2, record: { id: 'a2' }, at: 'part-1.jsonl:2' },
      { line: 3, record: { id: 'b1' }, at: 'part-2.jsonl:1' },
      { line: 4, error: expect.stringMatching(/^part-2\.jsonl:2: invalid JSON/) },
    ]);
  });

  it('reads Parquet by ranges, row groups in order', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => ({ id: `p${i + 1}`, n: i }));
    await writeParquet(join(dir, 'rows.parquet'), rows, 100);
    await storage.putFile(url('rows.parquet'), join(dir, 'rows.parquet'));
    const entries = await read(url('rows.parquet'), 'parquet');
    expect(entries.map((e) => ('record' in e ? e.record.id : e.error))).toEqual(rows.map((r) => r.id));
  });

  it('says which bucket is missing, which glob matches nothing, which object is not Parquet', async () => {
    await expect(listShards(`${scheme}://no-such-bucket/x.jsonl`)).rejects.toThrow(
      `input: ${scheme}://no-such-bucket/x.jsonl: bucket no-such-bucket does not exist`,
    );
    await expect(listShards(`${scheme}://no-such-bucket/p/*.jsonl`)).rejects.toThrow(
      /bucket no-such-bucket does not exist/,
    );
    await expect(listShards(url('nothing/part-*.parquet'))).rejects.toThrow(
      `input: ${url('nothing/part-*.parquet')} matches no object`,
    );
    await expect(listShards(url('missing.jsonl'))).rejects.toThrow(`input: object not found: ${url('missing.jsonl')}`);
    await storage.putFile(url('fake.parquet'), join(dir, 'a.jsonl'));
    await expect(read(url('fake.parquet'), 'parquet')).rejects.toThrow(
      new RegExp(`^input: ${url('fake.parquet')} is not a readable Parquet file`),
    );
  });

  it('probes an output prefix: a write and a delete, or the reason', async () => {
    await expect(probeOutputUrl(url('out/run'))).resolves.toBeUndefined();
    expect(await storage.list(scheme, bucket, 'out/')).toEqual([]);
    await expect(probeOutputUrl(`${scheme}://no-such-bucket/out`)).resolves.toEqual({
      message: `output.dir ${scheme}://no-such-bucket/out cannot be used: bucket no-such-bucket does not exist`,
      permanent: true,
    });
  });

  it('uploads a file bigger than a part in parts', async () => {
    const big = join(dir, 'big.jsonl');
    const line = JSON.stringify({ id: 'x', text: 'y'.repeat(1000) }) + '\n';
    writeFileSync(big, line.repeat(11 * 1024)); // ~11 MB: three parts of 5 MiB
    const at = objectAt(url('out/big.jsonl'));
    let parts = 0;
    if (scheme === 's3')
      await uploadFileToS3((at.store as S3ObjectStore).client, {
        bucket,
        key: at.key,
        file: big,
        partBytes: 5 * 1024 * 1024,
        progress: () => parts++,
      });
    else await at.store.upload(bucket, at.key, big, () => parts++);
    expect(parts).toBeGreaterThanOrEqual(scheme === 's3' ? 3 : 1);
    const text = await storage.read(url('out/big.jsonl'));
    expect(text?.length).toBe(line.length * 11 * 1024);
  });
});
