// Builds the adapter a spec names. Credentials come from the worker's environment, never from
// the run spec or workflow history.
import type { ProviderName } from '../../common';
import { anthropicFamily } from '../anthropic/family';
import { bedrockFamily } from '../bedrock/family';
import { googleFamily } from '../google/family';
import { openaiFamily } from '../openai/family';
import { CircuitBreaker, DEFAULT_BREAKER } from './circuit-breaker';
import { ProviderConfigError, type ProviderEnv, type ProviderFamily, type SpecProviderSettings } from './family';
import { guardProvider } from './guarded-provider';
import type { BatchProvider } from './types';

/**
 * Every provider family, one line each. Provider `simulator` speaks the wire of the first family
 * that claims the model (Claude models go the Anthropic way, Gemini models Google's, as with the real
 * services); OpenAI's comes last and takes the rest.
 */
const FAMILIES: readonly ProviderFamily[] = [anthropicFamily, googleFamily, bedrockFamily, openaiFamily];

/** The family's builder for a provider name; own properties only (a name is not `toString`). */
function builderOf(family: ProviderFamily, name: ProviderName) {
  return Object.hasOwn(family.providers, name) ? family.providers[name] : undefined;
}

export function createProviderRegistry(env: ProviderEnv) {
  const cache = new Map<string, BatchProvider>();
  const familyOf = (name: ProviderName, model: string): ProviderFamily | undefined =>
    name === 'simulator' ? FAMILIES.find((f) => f.simulates(model)) : FAMILIES.find((f) => builderOf(f, name));
  const build = (name: ProviderName, family: ProviderFamily | undefined, spec: SpecProviderSettings): BatchProvider => {
    if (name === 'simulator') {
      if (!env.simulatorUrl) {
        throw new ProviderConfigError(
          'provider "simulator" needs LLMBATCH_SIMULATOR_URL (run `llmbatch dev` or `llmbatch simulator`)',
        );
      }
      // The simulator speaks every family's wire.
      if (family) return family.simulator(env.simulatorUrl);
    }
    const create = family && builderOf(family, name);
    if (!create) {
      throw new ProviderConfigError(
        `provider "${name as string}" is not available in this version (use openai, azure-openai, anthropic, gemini, vertex, bedrock or simulator)`,
      );
    }
    return create(env, spec);
  };
  return {
    /**
     * The adapter for a spec's provider and model, each behind its own circuit breaker; `spec` is
     * the run's settings for its provider (vertex's project, location, bucket), part of the key.
     */
    get(name: ProviderName, model = '', spec: SpecProviderSettings = {}): BatchProvider {
      const family = familyOf(name, model);
      const place = name === 'vertex' && spec.vertex ? JSON.stringify(spec.vertex) : '';
      const key = `${name}/${family?.wire ?? ''}/${place}`;
      let provider = cache.get(key);
      if (!provider) {
        const breaker = new CircuitBreaker(
          name,
          { ...DEFAULT_BREAKER, ...env.breaker },
          env.log ?? ((m) => console.warn(m)),
        );
        provider = guardProvider(build(name, family, spec), breaker);
        cache.set(key, provider);
      }
      return provider;
    },
  };
}
export type ProviderRegistry = ReturnType<typeof createProviderRegistry>;
