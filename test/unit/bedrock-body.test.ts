// Bedrock's pure parts: each model's own body (Claude's Messages body with bedrock-2023-05-31,
// Nova's messages/inferenceConfig), Converse parameters, output records parsed by recordId with
// their errors, every job status mapped, job names and prices.
import { BEDROCK_STATUS, converseParams, modelInputOf, parseOutputRecord } from '../../providers/bedrock/bedrock-body';
import { jobNameOf, outputUriOf, requestTokenOf } from '../../providers/bedrock/bedrock-batch';
import { classifyProviderError } from '../../providers/core/errors';
import { costUsd, priceOf, type NeutralRequest } from '../../common';

const SCHEMA = { type: 'object', properties: { label: { type: 'string' } } };
const ask = (model: string): NeutralRequest => ({
  model,
  maxTokens: 64,
  messages: [
    { role: 'system', content: 'Classify.' },
    { role: 'user', content: 'Ticket 1' },
  ],
});

describe('Bedrock bodies', () => {
  it('writes Claude the Messages body with anthropic_version and the schema as a forced tool', () => {
    expect(modelInputOf(ask('us.anthropic.claude-sonnet-4-20250514-v1:0'), SCHEMA)).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 64,
      system: 'Classify.',
      messages: [{ role: 'user', content: 'Ticket 1' }],
      tools: [{ name: 'output', description: 'Record the answer.', input_schema: SCHEMA }],
      tool_choice: { type: 'tool', name: 'output' },
    });
  });

  it('writes Nova its own messages / inferenceConfig body, and Converse the same shape', () => {
    const nova = modelInputOf(ask('amazon.nova-micro-v1:0'), undefined);
    expect(nova).toEqual({
      schemaVersion: 'messages-v1',
      system: [{ text: 'Classify.' }],
      messages: [{ role: 'user', content: [{ text: 'Ticket 1' }] }],
      inferenceConfig: { maxTokens: 64 },
    });
    expect(converseParams(ask('amazon.nova-micro-v1:0'), SCHEMA)).toMatchObject({
      modelId: 'amazon.nova-micro-v1:0',
      toolConfig: { toolChoice: { tool: { name: 'output' } } },
    });
  });

  it('reads output records by recordId: answers in either format, errors with their status', () => {
    const claude = parseOutputRecord(
      {
        recordId: 'a',
        modelOutput: {
          content: [{ type: 'tool_use', id: 't', name: 'output', input: { label: 'x' } }],
          stop_reason: 'tool_use',
          usage: { input_tokens: 10, output_tokens: 3 },
        },
      },
      'anthropic.claude-haiku-4-5-20251001-v1:0',
    );
    expect(claude).toMatchObject({ customId: 'a', ok: true, content: '{"label":"x"}', usage: { inputTokens: 10 } });
    const nova = parseOutputRecord(
      {
        recordId: 'b',
        modelOutput: { output: { message: { content: [{ text: 'hi' }] } }, usage: { inputTokens: 5, outputTokens: 1 } },
      },
      'amazon.nova-lite-v1:0',
    );
    expect(nova).toMatchObject({ customId: 'b', ok: true, content: 'hi', usage: { inputTokens: 5, outputTokens: 1 } });
    expect(parseOutputRecord({ recordId: 'c', error: { errorCode: 429, errorMessage: 'slow down' } }, 'x')).toEqual({
      customId: 'c',
      ok: false,
      status: 429,
      code: undefined,
      message: 'slow down',
    });
    expect(parseOutputRecord({ modelOutput: {} }, 'x')).toBeUndefined();
  });

  it('maps every job status onto the lifecycle', () => {
    expect(BEDROCK_STATUS).toEqual({
      Submitted: 'validating',
      Validating: 'validating',
      Scheduled: 'validating',
      InProgress: 'in_progress',
      Stopping: 'cancelling',
      Completed: 'completed',
      PartiallyCompleted: 'completed',
      Failed: 'failed',
      Stopped: 'cancelled',
      Expired: 'expired',
    });
  });

  it('derives a valid job name and token from the key, and the output path Bedrock writes', () => {
    const name = jobNameOf('run-2026/3/2');
    expect(name).toMatch(/^llmbatch-[0-9a-f]{40}$/);
    expect(jobNameOf('run-2026/3/2')).toBe(name);
    expect(jobNameOf('run-2026/3/1')).not.toBe(name);
    expect(requestTokenOf('run-2026/3/2')).toMatch(/^[0-9a-f]{64}$/);
    expect(
      outputUriOf('s3://b/p/out/', 'arn:aws:bedrock:us-east-1:1:model-invocation-job/abc123', 's3://b/p/records.jsonl'),
    ).toBe('s3://b/p/out/abc123/records.jsonl.out');
  });

  it('classifies AWS answers: throttling and a full job quota wait, validation is permanent', () => {
    const aws = (name: string, status: number) =>
      Object.assign(new Error('x'), {
        name,
        $fault: status >= 500 ? 'server' : 'client',
        $metadata: { httpStatusCode: status },
      });
    expect(classifyProviderError(aws('ThrottlingException', 429))).toMatchObject({
      kind: 'rate_limited',
      retryable: true,
    });
    expect(classifyProviderError(aws('ServiceQuotaExceededException', 400))).toMatchObject({ retryable: true });
    expect(classifyProviderError(aws('ValidationException', 400))).toMatchObject({
      kind: 'invalid_request',
      retryable: false,
    });
    expect(classifyProviderError(aws('AccessDeniedException', 403))).toMatchObject({ kind: 'auth' });
  });

  it('prices Bedrock ids, dated, versioned and cross-region, at half in batch', () => {
    expect(priceOf('us.anthropic.claude-haiku-4-5-20251001-v1:0')).toEqual({ sync: [1, 5], batch: [0.5, 2.5] });
    expect(priceOf('amazon.nova-pro-v1:0')?.batch).toEqual([0.4, 1.6]);
    expect(costUsd('amazon.nova-micro-v1:0', 'batch', 1_000_000, 1_000_000)).toBeCloseTo(0.0875, 6);
  });
});
