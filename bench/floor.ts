// The floor for the e2e bench: what a plain script does with the Batch API and nothing else. No
// Temporal, no store, no retries beyond the SDK's own, nothing survives a crash. It streams the
// JSONL, renders each line into a chat request, drops identical requests (the same work llmbatch
// does), cuts chunks, keeps `window` batches in flight (upload, create, poll every 100 ms,
// download), and writes one result per input line, in input order.
//
//   npx tsx bench/floor.ts --url http://127.0.0.1:8089/v1 --input tickets.jsonl --out results.jsonl
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import OpenAI, { toFile } from 'openai';

/** The prompt both sides render; bench/e2e.ts writes the same into llmbatch's spec. */
export const TICKET_TEMPLATE = {
  system: 'Classify the support ticket as billing, shipping, account or other.',
  user: 'Subject: {{subject}}\n{{body}}',
};

export interface FloorOptions {
  /** The OpenAI-compatible base URL, with /v1. */
  baseURL: string;
  apiKey?: string;
  input: string;
  output: string;
  model: string;
  maxTokens: number;
  chunk: number;
  window: number;
  template?: { system: string; user: string };
}

export interface FloorResult {
  wallMs: number;
  lines: number;
  unique: number;
  batches: number;
}

const POLL_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function render(template: string, item: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_all, field: string) => {
    const value = item[field];
    if (value === undefined || value === null) throw new Error(`template field "${field}" is missing`);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

interface OutputLine {
  custom_id: string;
  response: { status_code: number; body: { choices?: { message?: { content?: string | null } }[] } } | null;
  error: { message?: string } | null;
}

/** One batch through its whole life; returns each answer under its unique-request index. */
async function runBatch(client: OpenAI, lines: string[], n: number): Promise<Map<number, string>> {
  const file = await client.files.create({
    file: await toFile(Buffer.from(lines.join('\n') + '\n'), `chunk-${n}.jsonl`, { type: 'application/jsonl' }),
    purpose: 'batch',
  });
  let batch = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  while (batch.status !== 'completed') {
    if (['failed', 'expired', 'cancelled', 'cancelling'].includes(batch.status))
      throw new Error(`floor: batch ${batch.id} (chunk ${n}) ended ${batch.status}`);
    await sleep(POLL_MS);
    batch = await client.batches.retrieve(batch.id);
  }
  if (!batch.output_file_id || batch.request_counts?.failed)
    throw new Error(`floor: batch ${batch.id} (chunk ${n}) has ${batch.request_counts?.failed ?? '?'} failed requests`);
  const text = await (await client.files.content(batch.output_file_id)).text();
  const answers = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const parsed = JSON.parse(line) as OutputLine;
    const content = parsed.response?.body.choices?.[0]?.message?.content;
    if (parsed.error || parsed.response?.status_code !== 200 || typeof content !== 'string')
      throw new Error(`floor: ${parsed.custom_id} in chunk ${n} has no answer: ${line.slice(0, 200)}`);
    answers.set(Number(parsed.custom_id.slice(1)), content);
  }
  if (answers.size !== lines.length)
    throw new Error(`floor: chunk ${n} sent ${lines.length} requests and got ${answers.size} answers`);
  return answers;
}

export async function runFloor(options: FloorOptions): Promise<FloorResult> {
  const started = performance.now();
  const template = options.template ?? TICKET_TEMPLATE;
  const client = new OpenAI({ apiKey: options.apiKey ?? 'floor', baseURL: options.baseURL });

  const ids: string[] = [];
  /** Per input line, the index of its unique request. */
  const uniqueOf: number[] = [];
  const seen = new Map<string, number>();
  const answers: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let batches = 0;
  let failure: Error | undefined;

  const launch = (lines: string[]) => {
    const n = ++batches;
    const done: Promise<void> = runBatch(client, lines, n)
      .then((got) => {
        for (const [index, content] of got) answers[index] = content;
      })
      .catch((error: unknown) => {
        failure ??= error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };

  let pending: string[] = [];
  const lines = createInterface({ input: createReadStream(options.input), crlfDelay: Infinity });
  for await (const line of lines) {
    if (failure) break;
    if (!line.trim()) continue;
    const item = JSON.parse(line) as Record<string, unknown>;
    ids.push(typeof item.id === 'string' ? item.id : JSON.stringify(item.id));
    const body = JSON.stringify({
      model: options.model,
      messages: [
        { role: 'system', content: render(template.system, item) },
        { role: 'user', content: render(template.user, item) },
      ],
      max_completion_tokens: options.maxTokens,
    });
    const key = createHash('sha256').update(body).digest('base64');
    let unique = seen.get(key);
    if (unique === undefined) {
      unique = seen.size;
      seen.set(key, unique);
      pending.push(`{"custom_id":"r${unique}","method":"POST","url":"/v1/chat/completions","body":${body}}`);
      if (pending.length === options.chunk) {
        while (inFlight.size >= options.window) await Promise.race(inFlight);
        launch(pending);
        pending = [];
      }
    }
    uniqueOf.push(unique);
  }
  if (pending.length > 0 && !failure) {
    while (inFlight.size >= options.window) await Promise.race(inFlight);
    launch(pending);
  }
  while (inFlight.size > 0) await Promise.race(inFlight);
  if (failure) throw failure;

  const out = createWriteStream(options.output);
  for (let from = 0; from < ids.length; from += 10_000) {
    const block: string[] = [];
    for (let line = from; line < Math.min(from + 10_000, ids.length); line++) {
      const output = answers[uniqueOf[line]];
      if (output === undefined) throw new Error(`floor: line ${line + 1} (${ids[line]}) has no answer`);
      block.push(JSON.stringify({ id: ids[line], output }));
    }
    if (!out.write(block.join('\n') + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { wallMs: performance.now() - started, lines: ids.length, unique: seen.size, batches };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback?: string) => {
    const at = args.indexOf(`--${name}`);
    const value = at >= 0 ? args[at + 1] : fallback;
    if (value === undefined) throw new Error(`--${name} is required`);
    return value;
  };
  runFloor({
    baseURL: flag('url'),
    input: flag('input'),
    output: flag('out'),
    model: flag('model', 'gpt-4.1-mini'),
    maxTokens: Number(flag('max-tokens', '50')),
    chunk: Number(flag('chunk', '10000')),
    window: Number(flag('window', '4')),
  })
    .then((r) =>
      console.log(
        `floor: ${r.lines} lines (${r.unique} unique) in ${r.batches} batches, ${(r.wallMs / 1000).toFixed(1)} s`,
      ),
    )
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    });
}
