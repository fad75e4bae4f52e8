// The spec's endpoint: a chat run renders its template; an embeddings run embeds one field of each
// item and has no template, output schema, maxTokens, routing or hybrid lane (an embedding has no
// output to shape or limit, and vectors from two models cannot be compared, so one model embeds a
// whole run). OpenAI's and Gemini's wires embed; Anthropic has no embeddings API.
import {
  acceptsDimensions,
  isAnthropicModel,
  isEmbeddingModel,
  nativeDimensions,
  EMBEDDING_DIMENSIONS,
  type RunSpec,
} from '../common';

const KNOWN = Object.keys(EMBEDDING_DIMENSIONS).join(', ');

/** Every problem of the endpoint's fields, one line each, named by path. */
export function checkEndpoint(spec: RunSpec, problems: string[]): void {
  // An Azure deployment's name says nothing of its model: deploymentModel does (its absence is
  // reported by the price check).
  const model = spec.provider === 'azure-openai' ? spec.deploymentModel : spec.model;
  const modelPath = spec.provider === 'azure-openai' ? 'deploymentModel' : 'model';
  if (spec.endpoint !== 'embeddings') {
    if (spec.embed !== undefined) problems.push('embed: only used with endpoint: embeddings');
    if (spec.dimensions !== undefined) problems.push('dimensions: only used with endpoint: embeddings');
    if (!spec.template) problems.push('template: required (or endpoint: embeddings with embed: FIELD)');
    if (model && isEmbeddingModel(model))
      problems.push(`${modelPath}: "${model}" is an embeddings model: use endpoint: embeddings with embed: FIELD`);
    return;
  }
  if (!spec.embed) problems.push('embed: required with endpoint: embeddings (the item field whose text is embedded)');
  if (spec.template)
    problems.push('template: not used with endpoint: embeddings (the embed field is embedded as it is)');
  if (spec.output?.schema) problems.push('output.schema: not used with endpoint: embeddings (the answer is a vector)');
  if (spec.maxTokens !== undefined)
    problems.push('maxTokens: not used with endpoint: embeddings (an embedding has no output tokens)');
  if (spec.routing)
    problems.push('routing: not available with endpoint: embeddings (vectors of two models cannot be compared)');
  if (spec.mode === 'hybrid' || spec.hybrid)
    problems.push('mode: hybrid is not available with endpoint: embeddings (use batch or sync)');
  // Vectors of another model cannot stand beside this one's: a failover entry must embed with the same model.
  spec.failover?.forEach((route, i) => {
    if (route.model !== spec.model)
      problems.push(
        `failover.${i}.model: "${route.model}" is not ${spec.model}: an embeddings run keeps one model (its vectors are compared with each other)`,
      );
  });
  if (spec.provider === 'anthropic' || isAnthropicModel(spec.model)) {
    problems.push(
      `provider: ${spec.provider} with model ${spec.model} cannot embed: Anthropic has no embeddings API (use openai, azure-openai, gemini or simulator with ${KNOWN})`,
    );
    return;
  }
  if (spec.provider === 'vertex') {
    problems.push(
      `provider: vertex with model ${spec.model} cannot embed in this version: Vertex AI embeddings batches are not supported yet (use gemini, openai, azure-openai or simulator with ${KNOWN})`,
    );
    return;
  }
  if (model && !isEmbeddingModel(model))
    problems.push(`${modelPath}: "${model}" is not an embeddings model (${KNOWN})`);
  if (spec.dimensions !== undefined && model) {
    const native = nativeDimensions(model);
    if (!acceptsDimensions(model))
      problems.push(`dimensions: ${model} does not take dimensions (its vectors have ${native})`);
    else if (native !== undefined && spec.dimensions > native)
      problems.push(`dimensions: ${spec.dimensions} is more than ${model}'s ${native}`);
  }
}
