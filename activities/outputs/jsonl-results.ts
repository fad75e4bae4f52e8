// results.jsonl (output.format: jsonl): one line per answered item.
import type { TokenUsage } from '../../common';
import type { FinalItem } from '../../store';
import { JsonlWriter } from './jsonl-writer';

/**
 * One line of results.jsonl, as JSON. An embeddings run writes the vector as `embedding` (an array
 * of numbers) in place of `output`. The vector, and a JSON answer's `parsed`, are the JSON text the
 * provider sent (checked when it was collected), put into the line as they are: parsing them only
 * to print them again was most of finalize's time.
 */
function resultLine(item: FinalItem, embedding: boolean): string {
  const result = item.result!;
  const head = JSON.stringify(embedding ? { id: item.itemId } : { id: item.itemId, output: result.output });
  const answer = embedding
    ? `,"embedding":${result.output}`
    : result.json && result.output.trim() !== 'null'
      ? `,"parsed":${result.output}`
      : '';
  return `${head.slice(0, -1)}${answer},${JSON.stringify(resultLineTail(item)).slice(1)}`;
}

/** What follows the answer on a result line. */
function resultLineTail(item: FinalItem) {
  const result = item.result!;
  const duplicate = item.firstLine !== null && item.firstLine !== item.line;
  return {
    provider: result.provider,
    model: result.model,
    mode: result.mode,
    strike: result.strike,
    cached: result.cached === true,
    ...(duplicate ? { duplicateOf: item.firstItemId } : {}),
    // A duplicate was not billed: its answer is the first occurrence's. A cache hit keeps the
    // usage of the run that paid for it, and costs 0 here.
    usage: duplicate ? { inputTokens: 0, outputTokens: 0 } : usageLine(result),
    costUsd: duplicate ? 0 : result.costUsd,
  };
}

/** A result line's usage: the prompt cache's tokens only where there were some (Anthropic). */
function usageLine(usage: TokenUsage): TokenUsage {
  const { inputTokens, outputTokens, cacheWriteTokens, cacheReadTokens } = usage;
  return {
    inputTokens,
    outputTokens,
    ...(cacheWriteTokens ? { cacheWriteTokens } : {}),
    ...(cacheReadTokens ? { cacheReadTokens } : {}),
  };
}

export class JsonlResults extends JsonlWriter {
  constructor(
    path: string,
    private readonly embedding: boolean,
  ) {
    super(path);
  }
  add(item: FinalItem) {
    return this.writeLine(resultLine(item, this.embedding));
  }
}
