// Cloud Storage as the simulated Vertex AI reads and writes it: a job's input objects and its
// predictions, on the Cloud Storage server the simulator is given (fake-gcs-server in tests and
// the demo), through the JSON API by plain fetch. A missing bucket or object is refused at create
// time with the 400 Vertex gives, so a wrong `gs://` URI fails the create, not the job hours later.
import { googleError } from '../core/errors';

export interface GsUri {
  bucket: string;
  /** The object name (or prefix), without a leading slash. */
  path: string;
}

export function parseGsUri(uri: string, field: string): GsUri {
  const match = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220})(?:\/(.*))?$/.exec(uri);
  if (!match) throw googleError(400, `${field}: "${uri}" is not a valid Cloud Storage URI (gs://bucket/object).`);
  return { bucket: match[1], path: (match[2] ?? '').replace(/\/+$/, '') };
}

export class GcsObjects {
  /** `storageUrl`: http://host:port of the Cloud Storage server; undefined refuses every job. */
  constructor(private readonly storageUrl: string | undefined) {}

  private base(): string {
    if (!this.storageUrl)
      throw googleError(
        400,
        'This simulator has no Cloud Storage to read batch inputs from (start it with a storage URL).',
      );
    return this.storageUrl;
  }

  async bucketExists(bucket: string): Promise<boolean> {
    const res = await fetch(`${this.base()}/storage/v1/b/${encodeURIComponent(bucket)}`);
    await res.arrayBuffer();
    return res.ok;
  }

  /** The object's bytes; a 400 FAILED_PRECONDITION-like refusal as Vertex gives when it cannot read it. */
  async read(uri: string): Promise<Buffer> {
    const { bucket, path } = parseGsUri(uri, 'input_config.gcs_source.uris');
    const res = await fetch(
      `${this.base()}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(path)}?alt=media`,
    );
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status === 404)
      throw googleError(
        400,
        (await this.bucketExists(bucket))
          ? `Failed to read the batch input: object ${uri} does not exist.`
          : `Failed to read the batch input: bucket gs://${bucket} does not exist.`,
      );
    if (!res.ok) throw new Error(`Cloud Storage answered ${res.status} reading ${uri}`);
    return body;
  }

  async write(bucket: string, path: string, contents: Buffer): Promise<void> {
    const res = await fetch(
      `${this.base()}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=media&name=${encodeURIComponent(path)}`,
      { method: 'POST', headers: { 'content-type': 'application/jsonl' }, body: contents },
    );
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`Cloud Storage answered ${res.status} writing gs://${bucket}/${path}`);
  }
}
