// The simulator's batch round trip through an official SDK: by default the openai SDK uploads a
// 50,000-request batch file, creates the batch, waits for it and downloads the output; with
// `--api anthropic` the @anthropic-ai/sdk sends the same requests as a Message Batch and streams
// its results. Prints requests per second over the whole round trip, per phase, and the peak
// memory. The simulator runs in this process, as it does when embedded, so the figure includes
// the client's own work (building the upload, decoding the download) and is a floor for the
// server alone.
import Anthropic from '@anthropic-ai/sdk';
import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';
import OpenAI, { toFile } from 'openai';
import { startSimulator } from '../simulator';

interface Options {
  requests: number;
  rounds: number;
  api: 'openai' | 'anthropic';
}

const USAGE = 'expected --requests N, --rounds N, --api openai|anthropic';

function parseArgs(args: string[]): Options {
  const opts: Options = { requests: 50_000, rounds: 3, api: 'openai' };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split('=', 2);
    const value = () => inline ?? args[++i];
    if (flag === '--requests') opts.requests = Number(value());
    else if (flag === '--rounds') opts.rounds = Number(value());
    else if (flag === '--api') {
      const api = value();
      if (api !== 'openai' && api !== 'anthropic') throw new Error(`--api must be openai or anthropic, not ${api}`);
      opts.api = api;
    } else throw new Error(`unknown option ${args[i]} (${USAGE})`);
  }
  const max = opts.api === 'openai' ? 50_000 : 100_000;
  if (!Number.isInteger(opts.requests) || opts.requests < 1 || opts.requests > max)
    throw new Error(`--requests must be an integer from 1 to ${max} (the ${opts.api} batch limit)`);
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('--rounds must be a positive integer');
  return opts;
}

const LABEL_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['label', 'confidence', 'reason'],
  properties: {
    label: { type: 'string', enum: ['billing', 'shipping', 'account', 'other'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    reason: { type: 'string', maxLength: 60 },
  },
};
const SYSTEM = 'You label customer support tickets. Answer with the label and a short reason.';
const ticket = (i: number) => `Ticket #${i}: my parcel ${i * 7919} is late and the tracking page shows nothing.`;

/** A realistic OpenAI batch line: a system prompt, a ticket, and a json_schema response format. */
function openaiInput(n: number): Buffer {
  // Encoded a thousand lines at a time, so building the input does not itself inflate the peak memory.
  const blocks: Buffer[] = [];
  let parts: string[] = [];
  for (let i = 0; i < n; i++) {
    parts.push(
      JSON.stringify({
        custom_id: `ticket-${i}`,
        method: 'POST',
        url: '/v1/chat/completions',
        body: {
          model: 'gpt-4.1-mini',
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: ticket(i) },
          ],
          max_completion_tokens: 200,
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'ticket_label', strict: true, schema: LABEL_SCHEMA },
          },
        },
      }) + '\n',
    );
    if (parts.length === 1000 || i === n - 1) {
      blocks.push(Buffer.from(parts.join('')));
      parts = [];
    }
  }
  return Buffer.concat(blocks);
}

/** The same requests as Message Batch entries: the schema as a forced tool. */
function anthropicInput(n: number): BatchCreateParams.Request[] {
  const tool = { name: 'ticket_label', input_schema: LABEL_SCHEMA as { type: 'object' } };
  return Array.from({ length: n }, (_, i) => ({
    custom_id: `ticket-${i}`,
    params: {
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      system: SYSTEM,
      messages: [{ role: 'user', content: ticket(i) }],
      tools: [tool],
      tool_choice: { type: 'tool', name: tool.name },
    },
  }));
}

interface RoundTrip {
  ms: number;
  /** Input sent, batch ended, results read: milliseconds since the start. */
  phases: { uploaded: number; processed: number; downloaded: number };
  outputBytes: number;
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

async function openaiRoundTrip(client: OpenAI, content: Buffer, n: number): Promise<RoundTrip> {
  const started = performance.now();
  const file = await client.files.create({ file: await toFile(content, 'bench.jsonl'), purpose: 'batch' });
  const uploaded = performance.now() - started;
  const created = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  let batch = created;
  while (batch.status !== 'completed') {
    if (['failed', 'expired', 'cancelled'].includes(batch.status)) throw new Error(`batch ended ${batch.status}`);
    await pause();
    batch = await client.batches.retrieve(created.id);
  }
  if (batch.request_counts?.completed !== n)
    throw new Error(`expected ${n} completed, got ${batch.request_counts?.completed}`);
  const processed = performance.now() - started;
  // Streamed: the output is counted as it arrives, never held whole.
  const response = await client.files.content(batch.output_file_id!);
  let outputBytes = 0;
  let lines = 0;
  for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
    const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    outputBytes += chunk.length;
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
  }
  if (lines !== n) throw new Error(`expected ${n} output lines, got ${lines}`);
  const ms = performance.now() - started;
  return { ms, phases: { uploaded, processed, downloaded: ms }, outputBytes };
}

async function anthropicRoundTrip(
  client: Anthropic,
  requests: BatchCreateParams.Request[],
  n: number,
): Promise<RoundTrip> {
  const started = performance.now();
  const created = await client.messages.batches.create({ requests });
  const uploaded = performance.now() - started;
  let batch = created;
  while (batch.processing_status !== 'ended') {
    await pause();
    batch = await client.messages.batches.retrieve(created.id);
  }
  if (batch.request_counts.succeeded !== n)
    throw new Error(`expected ${n} succeeded, got ${batch.request_counts.succeeded}`);
  const processed = performance.now() - started;
  // The SDK's own streaming JSONL decoder: each result is parsed, as a pipeline would.
  let lines = 0;
  for await (const line of await client.messages.batches.results(created.id))
    if (line.result.type === 'succeeded') lines++;
  if (lines !== n) throw new Error(`expected ${n} results, got ${lines}`);
  const ms = performance.now() - started;
  return { ms, phases: { uploaded, processed, downloaded: ms }, outputBytes: 0 };
}

export async function benchSimulator(args: string[]): Promise<void> {
  const { requests, rounds, api } = parseArgs(args);
  const sim = await startSimulator({
    profile: { batch: { validatingMs: 0, completionMs: 0 }, sync: { latencyMs: 0 } },
  });
  try {
    let roundTrip: () => Promise<RoundTrip>;
    let described: string;
    if (api === 'openai') {
      const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'bench', maxRetries: 0, timeout: 600_000 });
      const content = openaiInput(requests);
      described = `${(content.length / 1e6).toFixed(1)} MB input file`;
      roundTrip = () => openaiRoundTrip(client, content, requests);
    } else {
      const client = new Anthropic({ baseURL: sim.url, apiKey: 'bench', maxRetries: 0, timeout: 600_000 });
      const input = anthropicInput(requests);
      described = 'Message Batch';
      roundTrip = () => anthropicRoundTrip(client, input, requests);
    }
    // With the input built and held by the client, before anything is sent.
    const baselineRssMb = process.memoryUsage().rss / 1e6;
    console.log(`simulator bench (${api}): ${requests} requests per batch, ${described}, ${rounds} rounds`);
    const rates: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const { ms, phases, outputBytes } = await roundTrip();
      const rate = requests / (ms / 1000);
      rates.push(rate);
      const upload = phases.uploaded;
      const processing = phases.processed - phases.uploaded;
      const download = phases.downloaded - phases.processed;
      console.log(
        `round ${round}: ${ms.toFixed(0)} ms (send ${upload.toFixed(0)}, process ${processing.toFixed(0)}, ` +
          `download ${download.toFixed(0)}), ${Math.round(rate).toLocaleString('en-US')} requests/s` +
          (outputBytes ? `, output ${(outputBytes / 1e6).toFixed(1)} MB` : ''),
      );
      sim.reset(); // each round starts from an empty simulator, as a fresh run would
    }
    const best = Math.max(...rates);
    const median = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)];
    // maxRSS is in KiB and is the whole process's high-water mark: client, simulator, and the input kept for reuse.
    const peakRssMb = (process.resourceUsage().maxRSS * 1024) / 1e6;
    console.log(
      `requests/s: median ${Math.round(median).toLocaleString('en-US')}, best ${Math.round(best).toLocaleString('en-US')}`,
    );
    console.log(
      `peak RSS: ${peakRssMb.toFixed(0)} MB (${baselineRssMb.toFixed(0)} MB before the first round; ` +
        `heap now ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB)`,
    );
  } finally {
    await sim.close();
  }
}
