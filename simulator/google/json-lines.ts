// The lines of an uploaded JSONL input (a Gemini file, a Vertex input object), parsed one by one
// and refused the way Google refuses a bad line: 400 naming the line.
import { googleError } from '../core/errors';

/** Each non-empty line's JSON with its 1-based number; `where` names the file in the error. */
export function* jsonLines(text: string, where: string): Generator<{ line: number; value: unknown }> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw googleError(400, `Line ${i + 1} of ${where} is not valid JSON.`);
    }
    yield { line: i + 1, value };
  }
}
