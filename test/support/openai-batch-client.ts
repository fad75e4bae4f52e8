// What the simulator tests share when they drive the OpenAI batch paths through the official
// client: the result-line shape, uploading a JSONL, waiting for a batch to end, reading its files.
import type OpenAI from 'openai';
import { toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';

/** One line of a batch output or error file, as the tests read it. */
export interface ResultLine {
  id: string;
  custom_id: string;
  response: {
    status_code: number;
    request_id: string;
    body: {
      object?: string;
      choices: Array<{ message: { content: string } }>;
      usage: { prompt_tokens: number; completion_tokens: number };
      error?: { message: string; type: string; param: string | null; code: string | null };
    };
  } | null;
  error: { code: string; message: string } | null;
}

export const TERMINAL_STATUSES = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** A small structured-output schema: an enum and a bounded integer. */
export const LABEL_SCORE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['label', 'score'],
  properties: { label: { type: 'string', enum: ['a', 'b'] }, score: { type: 'integer', minimum: 0, maximum: 9 } },
};

export async function uploadJsonl(client: OpenAI, lines: string[], name = 'input.jsonl'): Promise<string> {
  const file = await client.files.create({
    file: await toFile(Buffer.from(lines.join('\n') + '\n'), name),
    purpose: 'batch',
  });
  return file.id;
}

/** Polls until the batch ends; `onStatus` sees every status on the way. */
export async function waitForBatch(
  client: OpenAI,
  id: string,
  options: { timeoutMs?: number; pollMs?: number; onStatus?: (status: string) => void } = {},
): Promise<Batch> {
  const { timeoutMs = 5_000, pollMs = 10, onStatus } = options;
  for (const deadline = Date.now() + timeoutMs; ;) {
    const batch = await client.batches.retrieve(id);
    onStatus?.(batch.status);
    if (TERMINAL_STATUSES.has(batch.status)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} still ${batch.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The lines of an output or error file; none when the batch has no such file. */
export async function readResultLines(client: OpenAI, fileId: string | null | undefined): Promise<ResultLine[]> {
  if (!fileId) return [];
  const text = await (await client.files.content(fileId)).text();
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ResultLine);
}

/** n batch lines asking gpt-4.1-nano for structured output under `schema`, custom_ids `${prefix}0`... */
export function structuredChatLines(n: number, schema: unknown, prefix = 'c'): string[] {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      custom_id: `${prefix}${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: 'gpt-4.1-nano',
        messages: [{ role: 'user', content: `item ${i}` }],
        response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema } },
      },
    }),
  );
}
