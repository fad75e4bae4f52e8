// The simulated Bedrock's S3 side: it reads a job's input and writes its output on a real S3 server
// (the tests' emulator), as Bedrock does under the job's service role. The simulator signs with
// made-up credentials; the emulator, like the simulator itself, checks no signature.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { validation, type JobRecord } from './aws-answers';

export interface S3Settings {
  /** http://127.0.0.1:PORT of an S3-compatible server, addressed path-style. */
  endpoint: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!match) throw validation(`${uri} is not a valid S3 URI (s3://bucket/key).`);
  return { bucket: match[1], key: match[2] };
}

export interface JobObjects {
  readRecords(inputS3Uri: string): Promise<JobRecord[]>;
  writeOutput(
    outputS3Uri: string,
    jobArn: string,
    inputS3Uri: string,
    lines: Array<Record<string, unknown>>,
    manifest: Record<string, number>,
  ): Promise<void>;
}

/** Without an S3 server the simulator refuses every job, saying what it misses. */
export const NO_S3: JobObjects = {
  readRecords: () =>
    Promise.reject(
      validation(
        'This simulator has no S3 server for Bedrock jobs: start it with an S3 endpoint (AWS_ENDPOINT_URL_S3, or `s3` in its start options).',
      ),
    ),
  writeOutput: () => Promise.reject(new Error('no S3 server')),
};

export function s3JobObjects(settings: S3Settings): JobObjects {
  const s3 = new S3Client({
    endpoint: settings.endpoint,
    region: settings.region ?? 'us-east-1',
    credentials: settings.credentials ?? { accessKeyId: 'simulator', secretAccessKey: 'simulator' },
    forcePathStyle: true,
    maxAttempts: 3,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const put = (bucket: string, key: string, text: string) => {
    const body = Buffer.from(text, 'utf8');
    return s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: 'application/jsonl',
      }),
    );
  };
  return {
    async readRecords(inputS3Uri) {
      const { bucket, key } = parseS3Uri(inputS3Uri);
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })).catch((error: unknown) => {
        const name = (error as Error).name;
        if (name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'NotFound')
          throw validation(`The input ${inputS3Uri} does not exist or the job's role cannot read it (${name}).`);
        throw error;
      });
      const text = (await object.Body?.transformToString('utf8')) ?? '';
      const records: JobRecord[] = [];
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        if (!lines[i].trim()) continue;
        let parsed: { recordId?: unknown; modelInput?: unknown };
        try {
          parsed = JSON.parse(lines[i]) as typeof parsed;
        } catch {
          throw validation(`Line ${i + 1} of ${inputS3Uri} is not valid JSON.`);
        }
        if (parsed.modelInput === undefined) throw validation(`Line ${i + 1} of ${inputS3Uri} has no modelInput.`);
        // Bedrock numbers records that came without an id.
        const recordId =
          typeof parsed.recordId === 'string' ? parsed.recordId : `RECORD${String(i + 1).padStart(7, '0')}`;
        records.push({ recordId, modelInput: parsed.modelInput });
      }
      return records;
    },
    async writeOutput(outputS3Uri, jobArn, inputS3Uri, lines, manifest) {
      const { bucket, key } = parseS3Uri(outputS3Uri.endsWith('/') ? outputS3Uri : `${outputS3Uri}/`);
      const folder = `${key}${jobArn.slice(jobArn.lastIndexOf('/') + 1)}`;
      const file = inputS3Uri.slice(inputS3Uri.lastIndexOf('/') + 1);
      await put(bucket, `${folder}/${file}.out`, lines.map((l) => JSON.stringify(l) + '\n').join(''));
      await put(bucket, `${folder}/manifest.json.out`, JSON.stringify(manifest));
    },
  };
}
