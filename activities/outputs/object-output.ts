// Finalize to an s3:// or gs:// output.dir: the files are written exactly as for a local folder,
// into a local staging folder, then uploaded one by one (multipart on S3, resumable on Cloud
// Storage for large files), report.json last, so a report in the bucket means its files are there.
// A failed upload (the bucket deleted, a refusal) is an OutputWriteFailed naming the URL: the run
// waits in finalize-failed with its answers in the store, and `llmbatch finalize --output` writes
// them again. The staging folder is removed either way; it is rebuilt from the store every time.
import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '../../common';
import { objectAt } from '../object-store';
import { joinLocation } from '../object-store/location';
import { outputWriteFailed } from '../finalize/output-failure';

/** Upload order: the report last, so it never names files that are not there yet. */
const ORDER: (keyof RunReport['files'])[] = ['results', 'deadLetter', 'rejected', 'reportPage', 'report'];

/** Each local file, where it goes. */
export type Uploads = { local: string; target: string }[];

export async function withStagingFolder<T>(runId: string, write: (staging: string) => Promise<T>): Promise<T> {
  const safe = runId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
  const staging = await mkdtemp(join(tmpdir(), `llmbatch-${safe}-`));
  try {
    return await write(staging);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The local files of `staging` and the URLs under `outputDir` they are uploaded to. */
export function uploadsOf(files: RunReport['files'], staging: string, outputDir: string): Uploads {
  return ORDER.flatMap((name) => {
    const target = files[name];
    if (!target) return [];
    const file = target.slice(target.lastIndexOf('/') + 1);
    const local = join(staging, file);
    // report.html is a view that may fail to be written without failing the run (finalize.ts).
    return existsSync(local) ? [{ local, target: joinLocation(outputDir, file) }] : [];
  });
}

export async function uploadOutputs(outputDir: string, uploads: Uploads): Promise<void> {
  for (const { local, target } of uploads) {
    const at = objectAt(target);
    try {
      await at.store.upload(at.bucket, at.key, local, () => heartbeat({ uploading: target }));
    } catch (error) {
      if (error instanceof ApplicationFailure) throw error;
      throw outputWriteFailed(outputDir, error);
    }
  }
}
