// What OpenAI's embeddings endpoint refuses with a 400, checked alike for a sync call and a batch
// line: no input, an empty input, and `dimensions` where the model cannot shorten its vectors
// (ada-002) or asked longer than the model's own.
import { acceptsDimensions, nativeDimensions } from '../../common/embeddings';

export interface ParamProblem {
  message: string;
  param: string;
  code: string;
}

export function embeddingParamProblem(body: Record<string, unknown>): ParamProblem | undefined {
  const input = body.input;
  if (input === undefined || input === null || input === '' || (Array.isArray(input) && input.length === 0))
    return { message: "Missing required parameter: 'input'.", param: 'input', code: 'missing_required_parameter' };
  if (body.dimensions === undefined || body.dimensions === null) return undefined;
  const model = String(body.model);
  const dims = body.dimensions;
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1)
    return { message: `Invalid 'dimensions': ${JSON.stringify(dims)}.`, param: 'dimensions', code: 'invalid_value' };
  if (!acceptsDimensions(model))
    return {
      message: `This model does not support specifying dimensions.`,
      param: 'dimensions',
      code: 'invalid_value',
    };
  const native = nativeDimensions(model);
  if (native !== undefined && dims > native)
    return {
      message: `Invalid 'dimensions': ${dims} exceeds the model's ${native}.`,
      param: 'dimensions',
      code: 'invalid_value',
    };
  return undefined;
}
