// The Google family: the Gemini Developer API's Batch Mode (provider `gemini`), and the simulator's
// Gemini paths for Gemini models.
import { isGeminiModel } from '../../common';
import { ProviderConfigError, type ProviderFamily } from '../core/family';
import { GeminiBatchProvider } from './gemini-batch';

export const googleFamily: ProviderFamily = {
  wire: 'google',
  providers: {
    gemini: (env) => {
      if (!env.geminiApiKey)
        throw new ProviderConfigError(
          'provider "gemini" needs GEMINI_API_KEY (or GOOGLE_API_KEY) in the worker environment',
        );
      return new GeminiBatchProvider('gemini', { apiKey: env.geminiApiKey, baseURL: env.geminiBaseUrl });
    },
  },
  simulates: isGeminiModel,
  simulator: (url) => new GeminiBatchProvider('simulator', { apiKey: 'simulator', baseURL: url }),
};
