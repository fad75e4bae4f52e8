// The baseline for the sync bench: what a plain script does with the chat completions API and
// nothing else. The official openai client (its own retries off, so every 429 is seen and counted
// here), at most `concurrency` calls at once (p-limit), a simple pacer that spaces the calls by the
// rpm (and by the tpm, at chars/4 + max_tokens a call), and a retry on 429 after the `retry-after`
// the provider sends. No Temporal, no store, nothing survives a crash.
import { createReadStream, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import pLimit from 'p-limit';

export interface ScriptOptions {
  /** The OpenAI-compatible base URL, with /v1. */
  baseURL: string;
  input: string;
  output: string;
  model: string;
  maxTokens: number;
  template: { system: string; user: string };
  concurrency: number;
  /** 0 = no limit, as in a spec. */
  rpm: number;
  tpm: number;
}

export interface ScriptResult {
  wallMs: number;
  lines: number;
  /** 429s this script saw (and waited out). */
  rateLimited: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function render(template: string, item: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_all, field: string) => {
    const value = item[field];
    return typeof value === 'string' ? value : JSON.stringify(value ?? '');
  });
}

/** What the provider asked us to wait: retry-after-ms, else retry-after in seconds, else a second. */
function retryAfterMs(error: { headers?: Headers }): number {
  const ms = Number(error.headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = Number(error.headers?.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
}

export async function runSyncScript(options: ScriptOptions): Promise<ScriptResult> {
  const started = performance.now();
  const client = new OpenAI({ apiKey: 'script', baseURL: options.baseURL, maxRetries: 0 });
  const limit = pLimit(options.concurrency);
  // The simple pacer: each call takes the next slot, slots spaced by the rpm and by its tokens' share of the tpm.
  let nextSlot = performance.now();
  const pace = async (tokens: number) => {
    const spacing = Math.max(
      options.rpm > 0 ? 60_000 / options.rpm : 0,
      options.tpm > 0 ? (tokens * 60_000) / options.tpm : 0,
    );
    const slot = Math.max(performance.now(), nextSlot);
    nextSlot = slot + spacing;
    const wait = slot - performance.now();
    if (wait > 0) await sleep(wait);
  };
  let rateLimited = 0;

  const ids: string[] = [];
  const calls: Promise<string>[] = [];
  const lines = createInterface({ input: createReadStream(options.input), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const item = JSON.parse(line) as Record<string, unknown>;
    ids.push(String(item.id));
    const messages = [
      { role: 'system' as const, content: render(options.template.system, item) },
      { role: 'user' as const, content: render(options.template.user, item) },
    ];
    const tokens = Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / 4) + options.maxTokens;
    calls.push(
      limit(async () => {
        for (;;) {
          await pace(tokens);
          try {
            const completion = await client.chat.completions.create({
              model: options.model,
              messages,
              max_completion_tokens: options.maxTokens,
            });
            return completion.choices[0]?.message.content ?? '';
          } catch (error) {
            if (!(error instanceof OpenAI.APIError) || error.status !== 429) throw error;
            rateLimited++;
            await sleep(retryAfterMs(error as { headers?: Headers }));
          }
        }
      }),
    );
  }
  const answers = await Promise.all(calls);
  writeFileSync(options.output, ids.map((id, i) => JSON.stringify({ id, output: answers[i] })).join('\n') + '\n');
  return { wallMs: performance.now() - started, lines: ids.length, rateLimited };
}
