// Builds the adapter a spec names. Credentials come from the worker's environment, never from
// the run spec or workflow history.
import { isAnthropicModel, type ProviderName } from '../common';
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerOptions } from './circuit-breaker';
import { guardProvider } from './guarded-provider';
import { AnthropicBatchProvider } from './anthropic-batch';
import { OpenAIBatchProvider } from './openai-batch';
import type { BatchProvider } from './types';

export interface ProviderEnv {
  /** Base URL of the simulator (no /v1), for provider `simulator`. */
  simulatorUrl?: string;
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  anthropicApiKey?: string;
  anthropicBaseUrl?: string;
  azureApiKey?: string;
  azureEndpoint?: string;
  azureApiVersion?: string;
  /** Circuit breaker settings (tests shrink the open period). */
  breaker?: Partial<BreakerOptions>;
  /** Where breaker transitions are logged; the worker's logger by default. */
  log?: (message: string) => void;
}

export function providerEnvFromProcess(env: NodeJS.ProcessEnv = process.env): ProviderEnv {
  return {
    simulatorUrl: env.LLMBATCH_SIMULATOR_URL,
    openaiApiKey: env.OPENAI_API_KEY,
    openaiBaseUrl: env.OPENAI_BASE_URL,
    anthropicApiKey: env.ANTHROPIC_API_KEY,
    anthropicBaseUrl: env.ANTHROPIC_BASE_URL,
    azureApiKey: env.AZURE_OPENAI_API_KEY,
    azureEndpoint: env.AZURE_OPENAI_ENDPOINT,
    azureApiVersion: env.OPENAI_API_VERSION,
    breaker: {
      ...(env.LLMBATCH_BREAKER_THRESHOLD ? { threshold: Number(env.LLMBATCH_BREAKER_THRESHOLD) } : {}),
      ...(env.LLMBATCH_BREAKER_OPEN_MS ? { initialOpenMs: Number(env.LLMBATCH_BREAKER_OPEN_MS) } : {}),
      ...(env.LLMBATCH_BREAKER_MAX_OPEN_MS ? { maxOpenMs: Number(env.LLMBATCH_BREAKER_MAX_OPEN_MS) } : {}),
    },
  };
}

export class ProviderConfigError extends Error {}

/** An Azure OpenAI API version with the Batch API, used when OPENAI_API_VERSION is not set. */
export const AZURE_BATCH_API_VERSION = '2025-04-01-preview';

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
          `provider "${name}" is not available in this version (use openai, anthropic or simulator)`,
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
