// What a provider family folder (providers/openai, providers/anthropic) gives the registry: the
// adapters it builds for the provider names of a spec, and the one that speaks its wire to the
// simulator. A new family is a new folder with a `family.ts` and one line in the registry's list.
import type { ProviderName, VertexSettings } from '../../common';
import type { BedrockSettings, ProviderSettings } from '../../common/config';
import type { BreakerOptions } from './circuit-breaker';
import type { BatchProvider } from './types';

/** The provider settings of the configuration (common/config.ts), plus what tests inject. */
export interface ProviderEnv extends Omit<ProviderSettings, 'breaker' | 'azureApiVersion' | 'bedrock'> {
  /** Provider bedrock's AWS clients: the AWS SDK's own default chain when absent. */
  bedrock?: Partial<BedrockSettings>;
  /** Azure OpenAI API version; AZURE_BATCH_API_VERSION when unset. */
  azureApiVersion?: string;
  /** Circuit breaker settings (tests shrink the open period). */
  breaker?: Partial<BreakerOptions>;
  /** Where breaker transitions are logged; the worker's logger by default. */
  log?: (message: string) => void;
}

export class ProviderConfigError extends Error {}

/** What a run's spec says about where its provider runs (never credentials): provider vertex's place. */
export interface SpecProviderSettings {
  vertex?: VertexSettings;
}

export interface ProviderFamily {
  /** The wire its adapters speak; with the provider's name, it keys the registry's adapters. */
  readonly wire: string;
  /**
   * The adapter for each provider name the family serves, from the worker's environment and the
   * spec's settings for it: missing credentials or settings are refused with a ProviderConfigError.
   */
  readonly providers: Partial<Record<ProviderName, (env: ProviderEnv, spec: SpecProviderSettings) => BatchProvider>>;
  /** Whether provider `simulator` answers this model on the family's wire, as the real services would. */
  simulates(model: string): boolean;
  /** The adapter that speaks the family's wire to the simulator at `simulatorUrl` (no /v1). */
  simulator(simulatorUrl: string): BatchProvider;
}
