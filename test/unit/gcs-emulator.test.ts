// The Cloud Storage emulator the demo and tests run for Vertex AI and gs:// data: started on a free
// loopback port (built with Go the first time), spoken to by the official @google-cloud/storage
// client as a user's code would be (apiEndpoint at the emulator, no credentials), and stopped.
import { Storage } from '@google-cloud/storage';
import { startGcsEmulator, type GcsEmulator } from '../../dev/gcs-emulator';

describe('the Cloud Storage emulator', () => {
  let gcs: GcsEmulator;
  beforeAll(async () => {
    gcs = await startGcsEmulator();
  }, 300_000);
  afterAll(async () => gcs?.stop());

  it('takes a bucket and objects from the official client, lists them by prefix and reads them back', async () => {
    const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'llmbatch-test' });
    const [bucket] = await storage.createBucket('llmbatch-jobs');
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ key: `k${i}`, request: { n: i } }));
    await bucket.file('job-1/input.jsonl').save(lines.join('\n') + '\n', { resumable: false });
    await bucket.file('job-1/output/predictions.jsonl').save('{"key":"k0"}\n', { resumable: false });
    const [files] = await bucket.getFiles({ prefix: 'job-1/' });
    expect(files.map((f) => f.name).sort()).toEqual(['job-1/input.jsonl', 'job-1/output/predictions.jsonl']);
    const [text] = await bucket.file('job-1/input.jsonl').download();
    expect(text.toString().trimEnd().split('\n')).toEqual(lines);
    await expect(storage.bucket('no-such-bucket').file('x').download()).rejects.toMatchObject({ code: 404 });
  });
});
