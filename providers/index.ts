export * from './types';
export * from './openai-batch';
export * from './registry';
export * from './errors';
