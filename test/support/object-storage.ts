// Both object-storage emulators for a test file, and this process's environment pointed at them the
// way a user points llmbatch at an S3-compatible server or the Cloud Storage emulator
// (LLMBATCH_S3_ENDPOINT, AWS_* credentials, STORAGE_EMULATOR_HOST), so the in-process worker and
// the CLI's child processes reach them too. `stop` puts the environment back.
import { readFileSync } from 'node:fs';
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { loadConfig } from '../../common/config';
import { gcsClient } from '../../activities/object-store/gcs';
import { s3Client } from '../../activities/object-store/s3';
import { createEmulatorBucket, startGcsEmulator } from '../../dev/gcs-emulator';
import { S3_EMULATOR_CREDENTIALS, S3_EMULATOR_REGION, startS3Emulator } from '../../dev/s3-emulator';

export interface ObjectStorage {
  env: Record<string, string>;
  createBucket(scheme: 's3' | 'gs', name: string): Promise<void>;
  /** Empties the bucket and deletes it: a bucket "deleted after the batches ran". */
  deleteBucket(scheme: 's3' | 'gs', name: string): Promise<void>;
  putFile(url: string, file: string): Promise<void>;
  /** The object's text, or undefined when there is none. */
  read(url: string): Promise<string | undefined>;
  list(scheme: 's3' | 'gs', bucket: string, prefix?: string): Promise<string[]>;
  stop(): Promise<void>;
}

function split(url: string) {
  const match = /^(s3|gs):\/\/([^/]+)\/(.*)$/.exec(url)!;
  return { bucket: match[2], key: match[3] };
}

export async function startObjectStorage(): Promise<ObjectStorage> {
  const [s3, gcs] = await Promise.all([startS3Emulator(), startGcsEmulator()]);
  const env = {
    LLMBATCH_S3_ENDPOINT: s3.url,
    AWS_ACCESS_KEY_ID: S3_EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_REGION: S3_EMULATOR_REGION,
    STORAGE_EMULATOR_HOST: gcs.url,
    // The SDK's notice that its 2027 releases need Node 22: noise in a test's output.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const client = s3Client(loadConfig(env).objectStorage);
  const storage = gcsClient(loadConfig(env).objectStorage);

  const list = async (scheme: 's3' | 'gs', bucket: string, prefix = '') => {
    if (scheme === 'gs') return (await storage.bucket(bucket).getFiles({ prefix }))[0].map((f) => f.name).sort();
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((c) => c.Key!).sort();
  };
  return {
    env,
    async createBucket(scheme, name) {
      if (scheme === 'gs') return createEmulatorBucket(gcs.url, name);
      const res = await fetch(`${s3.url}/${name}`, { method: 'PUT' });
      if (!res.ok && res.status !== 409) throw new Error(`gofakes3 did not create bucket ${name}: ${res.status}`);
    },
    async deleteBucket(scheme, name) {
      for (const key of await list(scheme, name)) {
        if (scheme === 'gs') await storage.bucket(name).file(key).delete();
        else await client.send(new DeleteObjectCommand({ Bucket: name, Key: key }));
      }
      if (scheme === 'gs') await storage.bucket(name).delete();
      else await client.send(new DeleteBucketCommand({ Bucket: name }));
    },
    async putFile(url, file) {
      const { bucket, key } = split(url);
      const body = readFileSync(file);
      if (url.startsWith('gs://')) await storage.bucket(bucket).file(key).save(body, { resumable: false });
      else await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async read(url) {
      const { bucket, key } = split(url);
      const scheme = url.startsWith('gs://') ? 'gs' : 's3';
      if (!(await list(scheme, bucket, key)).includes(key)) return undefined;
      if (scheme === 'gs') return (await storage.bucket(bucket).file(key).download())[0].toString();
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return object.Body!.transformToString();
    },
    list,
    async stop() {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      client.destroy();
      await Promise.all([s3.stop(), gcs.stop()]);
    },
  };
}
