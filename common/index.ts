// The one pure module: types, zod schemas, constants and pricing shared by every layer.
export * from './constants';
export * from './duration';
export * from './input-format';
export * from './failure-message';
export * from './failures';
export * from './pricing';
export * from './prompt-cache';
export * from './usage-cost';
export * from './request';
export * from './embeddings';
export * from './spec';
export * from './template';
export * from './types';
export * from './output-estimate';
export * from './budget';
export * from './routing';
