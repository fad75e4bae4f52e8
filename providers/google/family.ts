// The Google family: the Gemini Developer API's Batch Mode (provider `gemini`), Vertex AI batch
// prediction (provider `vertex`), and the simulator's Gemini paths for Gemini models.
import { isGeminiModel } from '../../common';
import { ProviderConfigError, type ProviderFamily } from '../core/family';
import { GeminiBatchProvider } from './gemini-batch';
import { VertexBatchProvider } from './vertex-batch';

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
    // The spec's `vertex` fields win over the worker's environment, field by field.
    vertex: (env, spec) => {
      const project = spec.vertex?.project ?? env.vertexProject;
      const location = spec.vertex?.location ?? env.vertexLocation;
      const bucket = spec.vertex?.bucket ?? env.vertexBucket;
      const missing = [
        project ? '' : 'a project (vertex.project or GOOGLE_CLOUD_PROJECT)',
        location ? '' : 'a location (vertex.location or GOOGLE_CLOUD_LOCATION)',
        bucket ? '' : 'a bucket (vertex.bucket or LLMBATCH_VERTEX_BUCKET)',
      ].filter(Boolean);
      if (!project || !location || !bucket)
        throw new ProviderConfigError(`provider "vertex" needs ${missing.join(', ')}`);
      return new VertexBatchProvider('vertex', {
        project,
        location,
        bucket,
        baseURL: env.vertexBaseUrl,
        keyFilename: env.googleCredentialsFile,
        storageEndpoint: env.storageEndpoint,
      });
    },
  },
  simulates: isGeminiModel,
  simulator: (url) => new GeminiBatchProvider('simulator', { apiKey: 'simulator', baseURL: url }),
};
