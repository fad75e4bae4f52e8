export * from './types';
export * from './openai-batch';
export * from './anthropic-batch';
export * from './registry';
export * from './errors';
export * from './circuit-breaker';
export * from './guarded-provider';
