// The OpenAI family: OpenAI's Batch API and Azure OpenAI's (the same wire, without the /v1), and the
// simulator's OpenAI paths for every model no other family claims.
import { AZURE_BATCH_API_VERSION } from '../../common/config';
import { ProviderConfigError, type ProviderFamily } from '../core/family';
import { OpenAIBatchProvider } from './openai-batch';

export const openaiFamily: ProviderFamily = {
  wire: 'openai',
  providers: {
    openai: (env) => {
      if (!env.openaiApiKey)
        throw new ProviderConfigError('provider "openai" needs OPENAI_API_KEY in the worker environment');
      return new OpenAIBatchProvider('openai', { apiKey: env.openaiApiKey, baseURL: env.openaiBaseUrl });
    },
    'azure-openai': (env) => {
      if (!env.azureApiKey || !env.azureEndpoint) {
        throw new ProviderConfigError(
          'provider "azure-openai" needs AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT in the worker environment',
        );
      }
      return new OpenAIBatchProvider('azure-openai', {
        apiKey: env.azureApiKey,
        azure: { endpoint: env.azureEndpoint, apiVersion: env.azureApiVersion ?? AZURE_BATCH_API_VERSION },
      });
    },
  },
  // The simulator's default wire: the registry asks this family last.
  simulates: () => true,
  simulator: (url) => new OpenAIBatchProvider('simulator', { apiKey: 'simulator', baseURL: `${url}/v1` }),
};
