// Builds the adapter a spec names. Credentials come from the worker's environment, never from
// the run spec or workflow history.
import type { ProviderName } from '../common';
import { OpenAIBatchProvider } from './openai-batch';
import type { BatchProvider } from './types';

export interface ProviderEnv {
  /** Base URL of the simulator (no /v1), for provider `simulator`. */
  simulatorUrl?: string;
  openaiApiKey?: string;
  openaiBaseUrl?: string;
}

export function providerEnvFromProcess(env: NodeJS.ProcessEnv = process.env): ProviderEnv {
  return {
    simulatorUrl: env.LLMBATCH_SIMULATOR_URL,
    openaiApiKey: env.OPENAI_API_KEY,
    openaiBaseUrl: env.OPENAI_BASE_URL,
  };
}

export class ProviderConfigError extends Error {}

export function createProviderRegistry(env: ProviderEnv) {
  const cache = new Map<ProviderName, BatchProvider>();
  const build = (name: ProviderName): BatchProvider => {
    switch (name) {
      case 'simulator':
        if (!env.simulatorUrl) {
          throw new ProviderConfigError(
            'provider "simulator" needs LLMBATCH_SIMULATOR_URL (run `llmbatch dev` or `llmbatch simulator`)',
          );
        }
        return new OpenAIBatchProvider('simulator', { apiKey: 'simulator', baseURL: `${env.simulatorUrl}/v1` });
      case 'openai':
        if (!env.openaiApiKey)
          throw new ProviderConfigError('provider "openai" needs OPENAI_API_KEY in the worker environment');
        return new OpenAIBatchProvider('openai', { apiKey: env.openaiApiKey, baseURL: env.openaiBaseUrl });
      default:
        throw new ProviderConfigError(`provider "${name}" is not available in this version (use openai or simulator)`);
    }
  };
  return {
    get(name: ProviderName): BatchProvider {
      let provider = cache.get(name);
      if (!provider) {
        provider = build(name);
        cache.set(name, provider);
      }
      return provider;
    },
  };
}
export type ProviderRegistry = ReturnType<typeof createProviderRegistry>;
