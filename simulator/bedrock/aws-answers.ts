// The simulated Bedrock's error answers and its job file's records, shared by the job store
// (bedrock-jobs.ts) and its S3 side (job-objects.ts).
import { ApiError } from '../core/errors';

/** An AWS answer: the exception's name rides in the code, which the server puts in x-amzn-ErrorType. */
export function awsError(
  status: number,
  name: string,
  message: string,
  headers: Record<string, string> = {},
): ApiError {
  return new ApiError(status, message, name, null, name, headers);
}

export const validation = (message: string) => awsError(400, 'ValidationException', message);

export interface JobRecord {
  recordId: string;
  modelInput: unknown;
}
