// Embedding models: which models embed rather than chat, the vector length each answers with, and
// which accept `dimensions` to shorten it (OpenAI's text-embedding-3 models and Gemini's
// gemini-embedding-001, as `outputDimensionality`; ada-002 does not).
import { baseModelId } from './pricing';

/** Vector lengths as OpenAI and Google document them. */
export const EMBEDDING_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
  // Gemini's embeddings model on the Gemini API (Batch Mode through asyncBatchEmbedContent).
  'gemini-embedding-001': 3072,
};

/** OpenAI and Google name every embeddings model `...embedding...`: a chat model never is one. */
export function isEmbeddingModel(model: string): boolean {
  return /(^|-)embedding(-|$)/.test(model);
}

/** The vector length a model answers with when no `dimensions` is asked; undefined for a model we do not know. */
export function nativeDimensions(model: string): number | undefined {
  return EMBEDDING_DIMENSIONS[model] ?? EMBEDDING_DIMENSIONS[baseModelId(model)];
}

/** Only the text-embedding-3 generation takes `dimensions`; ada-002 answers 400 to it. */
export function acceptsDimensions(model: string): boolean {
  return !baseModelId(model).endsWith('ada-002');
}
