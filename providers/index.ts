export * from './core/types';
export * from './openai/openai-batch';
export * from './anthropic/anthropic-batch';
export * from './core/registry';
export * from './core/family';
export * from './core/errors';
export * from './core/circuit-breaker';
export * from './core/guarded-provider';
