// The Anthropic family: Anthropic's Message Batches, and the simulator's Anthropic paths for Claude
// models.
import { isAnthropicModel } from '../../common';
import { ProviderConfigError, type ProviderFamily } from '../core/family';
import { AnthropicBatchProvider } from './anthropic-batch';

export const anthropicFamily: ProviderFamily = {
  wire: 'anthropic',
  providers: {
    anthropic: (env) => {
      if (!env.anthropicApiKey)
        throw new ProviderConfigError('provider "anthropic" needs ANTHROPIC_API_KEY in the worker environment');
      return new AnthropicBatchProvider('anthropic', { apiKey: env.anthropicApiKey, baseURL: env.anthropicBaseUrl });
    },
  },
  simulates: isAnthropicModel,
  simulator: (url) => new AnthropicBatchProvider('simulator', { apiKey: 'simulator', baseURL: url }),
};
