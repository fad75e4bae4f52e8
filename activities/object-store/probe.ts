// Whether an s3:// or gs:// output.dir can take the run's files: checked before anything is spent
// (by the client, and again by the plan on the worker), because finalize writes there only after
// every batch was paid for. A bucket's existence is not enough (a policy may refuse writes), so a
// probe object is written and deleted, as the local check writes and deletes a probe file.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { keyUnder } from '../../common/object-url';
import { objectAt, StorageError } from './index';

export interface OutputUrlProblem {
  message: string;
  /** False when the service could not be reached: worth trying again, unlike a missing bucket. */
  permanent: boolean;
}

export async function probeOutputUrl(url: string): Promise<OutputUrlProblem | undefined> {
  let at: ReturnType<typeof objectAt>;
  try {
    at = objectAt(url);
  } catch (error) {
    return { message: `output.dir: ${(error as Error).message}`, permanent: true };
  }
  const probe = keyUnder(at.key, `.llmbatch-probe-${randomUUID()}`);
  try {
    await at.store.put(at.bucket, probe, '');
    await at.store.remove(at.bucket, probe);
    return undefined;
  } catch (error) {
    return {
      message: `output.dir ${url} cannot be used: ${(error as Error).message}`,
      permanent: !(error instanceof StorageError) || error.kind !== 'unreachable',
    };
  }
}

/** The client's view: the one line to print, or undefined. */
export async function outputUrlProblem(url: string): Promise<string | undefined> {
  return (await probeOutputUrl(url))?.message;
}

/** The plan's view on the worker: a bucket that cannot take the files stops the run before it spends. */
export async function ensureOutputUrlUsable(url: string): Promise<void> {
  const problem = await probeOutputUrl(url);
  if (!problem) return;
  if (!problem.permanent) throw new Error(problem.message);
  throw ApplicationFailure.nonRetryable(problem.message, 'OutputDirUnusable');
}
