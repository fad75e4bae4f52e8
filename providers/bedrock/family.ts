// The AWS family: Bedrock batch inference (provider `bedrock`). Credentials, region and endpoints
// come from the AWS SDK's default chain, so there is nothing to refuse here: a worker without them
// fails its first call with the SDK's own message. Provider `simulator` does not take Bedrock models
// (their jobs need an S3 bucket): provider bedrock reaches the simulator through its endpoints.
import type { ProviderFamily } from '../core/family';
import { BedrockBatchProvider } from './bedrock-batch';

export const bedrockFamily: ProviderFamily = {
  wire: 'bedrock',
  providers: {
    bedrock: (env) => new BedrockBatchProvider('bedrock', env.bedrock, { log: env.log }),
  },
  simulates: () => false,
  simulator: (url) =>
    new BedrockBatchProvider('simulator', { bedrockEndpoint: url, runtimeEndpoint: url, forcePathStyle: true }),
};
