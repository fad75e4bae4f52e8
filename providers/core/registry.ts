// Builds the adapter a spec names. Credentials come from the worker's environment, never from
// the run spec or workflow history.
import { isAnthropicModel, type ProviderName } from '../../common';
import { AZURE_BATCH_API_VERSION, type ProviderSettings } from '../../common/config';
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerOptions } from './circuit-breaker';
import { guardProvider } from './guarded-provider';
import { AnthropicBatchProvider } from '../anthropic/anthropic-batch';
import { OpenAIBatchProvider } from '../openai/openai-batch';
import type { BatchProvider } from './types';

/** The provider settings of the configuration (common/config.ts), plus what tests inject. */
export interface ProviderEnv extends Omit<ProviderSettings, 'breaker' | 'azureApiVersion'> {
  /** Azure OpenAI API version; AZURE_BATCH_API_VERSION when unset. */
  azureApiVersion?: string;
  /** Circuit breaker settings (tests shrink the open period). */
  breaker?: Partial<BreakerOptions>;
  /** Where breaker transitions are logged; the worker's logger by default. */
  log?: (message: string) => void;
}

export class ProviderConfigError extends Error {}

export function createProviderRegistry(env: ProviderEnv) {
  const cache = new Map<string, BatchProvider>();
  const build = (name: ProviderName, anthropicWire: boolean): BatchProvider => {
    switch (name) {
      case 'simulator':
        if (!env.simulatorUrl) {
          throw new ProviderConfigError(
            'provider "simulator" needs LLMBATCH_SIMULATOR_URL (run `llmbatch dev` or `llmbatch simulator`)',
          );
        }
        // The simulator speaks both wires; Claude models go the Anthropic way, as with the real services.
        return anthropicWire
          ? new AnthropicBatchProvider('simulator', { apiKey: 'simulator', baseURL: env.simulatorUrl })
          : new OpenAIBatchProvider('simulator', { apiKey: 'simulator', baseURL: `${env.simulatorUrl}/v1` });
      case 'openai':
        if (!env.openaiApiKey)
          throw new ProviderConfigError('provider "openai" needs OPENAI_API_KEY in the worker environment');
        return new OpenAIBatchProvider('openai', { apiKey: env.openaiApiKey, baseURL: env.openaiBaseUrl });
      case 'anthropic':
        if (!env.anthropicApiKey)
          throw new ProviderConfigError('provider "anthropic" needs ANTHROPIC_API_KEY in the worker environment');
        return new AnthropicBatchProvider('anthropic', { apiKey: env.anthropicApiKey, baseURL: env.anthropicBaseUrl });
      case 'azure-openai':
        if (!env.azureApiKey || !env.azureEndpoint) {
          throw new ProviderConfigError(
            'provider "azure-openai" needs AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT in the worker environment',
          );
        }
        return new OpenAIBatchProvider('azure-openai', {
          apiKey: env.azureApiKey,
          azure: { endpoint: env.azureEndpoint, apiVersion: env.azureApiVersion ?? AZURE_BATCH_API_VERSION },
        });
      default:
        throw new ProviderConfigError(
          `provider "${name as string}" is not available in this version (use openai, anthropic or simulator)`,
        );
    }
  };
  return {
    /** The adapter for a spec's provider and model, each behind its own circuit breaker. */
    get(name: ProviderName, model = ''): BatchProvider {
      const anthropicWire = name === 'anthropic' || (name === 'simulator' && isAnthropicModel(model));
      const key = `${name}/${anthropicWire ? 'anthropic' : 'openai'}`;
      let provider = cache.get(key);
      if (!provider) {
        const breaker = new CircuitBreaker(
          name,
          { ...DEFAULT_BREAKER, ...env.breaker },
          env.log ?? ((m) => console.warn(m)),
        );
        provider = guardProvider(build(name, anthropicWire), breaker);
        cache.set(key, provider);
      }
      return provider;
    },
  };
}
export type ProviderRegistry = ReturnType<typeof createProviderRegistry>;
