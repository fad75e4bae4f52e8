// Amazon Bedrock's paths on the same port, as the AWS SDK v3 calls them (restJson1): the control
// plane's model invocation jobs (create, get, list, stop) and the runtime's Converse. Requests are
// SigV4-signed; the server checks that a signature is there, never that it is right. Errors are
// rendered in AWS's shape by the server (`x-amzn-ErrorType` and `{message}`).
import { readJson, sleep } from '../core/http-util';
import { Outcome, corruptionOf } from '../core/batch-results';
import { retryAfterHeaders } from '../core/rate-limit';
import type { Reply, Route, RouteContext } from '../core/routes-types';
import { checkLimits, drawSyncFault } from '../core/sync';
import { awsError, validation } from './aws-answers';
import type { CreateJobParams } from './bedrock-jobs';
import { answerBody, bedrockRequestHash, bodyProblem, converseOutput, knownBedrockModel } from './bedrock-model';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function requireModel(model: string): string {
  if (!knownBedrockModel(model)) throw validation(`The provided model identifier is invalid. (${model})`);
  return model;
}

const JOB_NAME = /^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9+\-.]){0,63}$/;
const ROLE_ARN = /^arn:aws(-[^:]+)?:iam::\d{12}:role\/.+$/;

/** CreateModelInvocationJob's body, checked as Bedrock checks it. */
function createParams(body: unknown): CreateJobParams {
  if (!isObject(body)) throw validation('Expected a JSON object.');
  const { jobName, roleArn, clientRequestToken, modelId, inputDataConfig, outputDataConfig } = body;
  if (typeof jobName !== 'string' || !JOB_NAME.test(jobName) || jobName.length > 63)
    throw validation(
      `1 validation error detected: Value '${String(jobName)}' at 'jobName' failed to satisfy constraint.`,
    );
  if (typeof roleArn !== 'string' || !ROLE_ARN.test(roleArn))
    throw validation(
      `1 validation error detected: Value '${String(roleArn)}' at 'roleArn' failed to satisfy constraint.`,
    );
  if (typeof modelId !== 'string') throw validation("1 validation error detected: 'modelId' must not be null.");
  requireModel(modelId);
  const input =
    isObject(inputDataConfig) && isObject(inputDataConfig.s3InputDataConfig) ? inputDataConfig.s3InputDataConfig : {};
  const output =
    isObject(outputDataConfig) && isObject(outputDataConfig.s3OutputDataConfig)
      ? outputDataConfig.s3OutputDataConfig
      : {};
  if (typeof input.s3Uri !== 'string' || !input.s3Uri.startsWith('s3://'))
    throw validation("1 validation error detected: 'inputDataConfig.s3InputDataConfig.s3Uri' must be an s3:// URI.");
  if (typeof output.s3Uri !== 'string' || !output.s3Uri.startsWith('s3://'))
    throw validation("1 validation error detected: 'outputDataConfig.s3OutputDataConfig.s3Uri' must be an s3:// URI.");
  if (input.s3InputFormat !== undefined && input.s3InputFormat !== 'JSONL')
    throw validation("'s3InputFormat' must be JSONL.");
  return {
    jobName,
    roleArn,
    modelId,
    inputS3Uri: input.s3Uri,
    outputS3Uri: output.s3Uri,
    ...(typeof clientRequestToken === 'string' ? { clientRequestToken } : {}),
    ...(typeof body.timeoutDurationInHours === 'number' ? { timeoutDurationInHours: body.timeoutDurationInHours } : {}),
  };
}

async function createJob(ctx: RouteContext): Promise<Reply> {
  const { state } = ctx;
  const params = createParams(await readJson(ctx.req));
  const job = await state.bedrockJobs.create(params, state.profile, state.batchRng, state.now());
  return { status: 200, json: { jobArn: job.jobArn } };
}

async function getJob({ params, state }: RouteContext): Promise<Reply> {
  return { status: 200, json: state.bedrockJobs.toJson(await state.bedrockJobs.get(params[0], state.now())) };
}

async function stopJob({ params, state }: RouteContext): Promise<Reply> {
  await state.bedrockJobs.stop(params[0], state.now());
  return { status: 200, json: {} };
}

function timeParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw validation(`'${name}' must be a timestamp.`);
  return ms;
}

/** Newest first (the default sort), `maxResults` at a time (1-1000); the token is the next offset. */
async function listJobs({ url, state }: RouteContext): Promise<Reply> {
  const max = Number(url.searchParams.get('maxResults') ?? 1000);
  if (!Number.isInteger(max) || max < 1 || max > 1000) throw validation("'maxResults' must be between 1 and 1000.");
  const jobs = state.bedrockJobs.list(
    {
      nameContains: url.searchParams.get('nameContains') ?? undefined,
      statusEquals: url.searchParams.get('statusEquals') ?? undefined,
      after: timeParam(url, 'submitTimeAfter'),
      before: timeParam(url, 'submitTimeBefore'),
    },
    state.now(),
  );
  if (url.searchParams.get('sortOrder') === 'Ascending') jobs.reverse();
  const start = Number(url.searchParams.get('nextToken') ?? 0);
  if (!Number.isInteger(start) || start < 0) throw validation('Invalid nextToken.');
  const page = jobs.slice(start, start + max);
  return {
    status: 200,
    json: {
      invocationJobSummaries: page.map((j) => state.bedrockJobs.toJson(j)),
      ...(start + max < jobs.length ? { nextToken: String(start + max) } : {}),
    },
  };
}

/** Converse: the sync lane, with the same faults, limits and ledger as every other sync path. */
async function converse(ctx: RouteContext): Promise<Reply> {
  const { state } = ctx;
  const model = requireModel(ctx.params[0]);
  const body = await readJson(ctx.req);
  const problem = bodyProblem(body, 'converse');
  if (problem) throw validation(problem);
  const params = body as Record<string, unknown>;
  const hash = bedrockRequestHash(model, params, 'converse');
  const clean = answerBody(params, 'converse', 'none', hash);
  const verdict = checkLimits(state, 'bedrock', clean.inputTokens + clean.outputTokens);
  if (!verdict.ok) {
    throw awsError(
      429,
      'ThrottlingException',
      'Too many requests, please wait before trying again (simulated).',
      retryAfterHeaders(verdict.retryAfterMs),
    );
  }
  await sleep(state.profile.sync.latencyMs);
  const outcome = drawSyncFault(state, hash);
  if (outcome === Outcome.Permanent)
    throw validation('Malformed input request (simulated permanent failure): it will fail the same way if retried.');
  if (outcome === Outcome.Retryable429)
    throw awsError(429, 'ThrottlingException', 'Too many requests, please wait before trying again (simulated).');
  if (outcome === Outcome.Retryable500)
    throw awsError(500, 'ModelErrorException', 'The model returned an internal error (simulated). Please retry.');
  const corruption = corruptionOf(outcome);
  const answer = corruption === 'none' ? clean : answerBody(params, 'converse', corruption, hash);
  state.ledger.bill('sync', 'bedrock', {
    model,
    inputTokens: answer.inputTokens,
    outputTokens: answer.outputTokens,
    bodyHash: hash,
    corrupted: corruption !== 'none' || ctx.responseLost,
    lost: ctx.responseLost,
  });
  return { status: 200, json: converseOutput(answer, state.profile.sync.latencyMs) };
}

export const bedrockRoutes: Route[] = [
  { method: 'POST', pattern: /^\/model-invocation-job$/, handle: createJob },
  { method: 'GET', pattern: /^\/model-invocation-jobs$/, handle: listJobs },
  { method: 'GET', pattern: /^\/model-invocation-job\/([^/]+)$/, handle: getJob },
  { method: 'POST', pattern: /^\/model-invocation-job\/([^/]+)\/stop$/, handle: stopJob },
  { method: 'POST', pattern: /^\/model\/([^/]+)\/converse$/, handle: converse },
];
