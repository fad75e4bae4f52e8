// The provider registry: which wire each provider and model of a spec is spoken on (seen by the
// simulator's ledger, which bills each path family apart), what a missing credential says, and one
// adapter (so one circuit breaker) per provider and wire for the life of a worker.
import type { ProviderName } from '../../common';
import { createProviderRegistry, ProviderConfigError, type ProviderEnv } from '../../providers';
import { useSimulator, type SimulatorClients } from '../support/simulator-clients';

let c: SimulatorClients;
useSimulator({ sync: { latencyMs: 0 } }, (clients) => (c = clients));

const credentials = (): ProviderEnv => ({
  simulatorUrl: c.sim.url,
  openaiApiKey: 'sim',
  openaiBaseUrl: `${c.sim.url}/v1`,
  anthropicApiKey: 'sim',
  anthropicBaseUrl: c.sim.url,
  azureApiKey: 'sim',
  azureEndpoint: c.sim.url,
  geminiApiKey: 'sim',
  geminiBaseUrl: c.sim.url,
  log: () => {},
});

const ask = (model: string) => ({
  customId: 'a',
  request: { model, messages: [{ role: 'user' as const, content: 'which wire?' }], maxTokens: 16 },
});

describe('provider registry', () => {
  it.each([
    ['openai', 'gpt-4.1-mini', 'openai'],
    ['azure-openai', 'gpt-4.1-mini', 'azure'],
    ['anthropic', 'claude-haiku-4-5', 'anthropic'],
    ['simulator', 'gpt-4.1-mini', 'openai'],
    ['simulator', 'claude-haiku-4-5', 'anthropic'],
    ['gemini', 'gemini-2.5-flash', 'gemini'],
    ['simulator', 'gemini-2.5-flash', 'gemini'],
  ] as const)('speaks %s with %s on the %s paths', async (name, model, paths) => {
    const provider = createProviderRegistry(credentials()).get(name, model);
    expect(provider.name).toBe(name);
    const result = await provider.callSync(ask(model), undefined);
    expect(result).toMatchObject({ customId: 'a', ok: true });
    expect(Object.keys(c.sim.ledger().byProvider)).toEqual([paths]);
  });

  it('keeps one adapter per provider and wire', () => {
    const registry = createProviderRegistry(credentials());
    expect(registry.get('simulator', 'claude-haiku-4-5')).toBe(registry.get('simulator', 'claude-sonnet-4'));
    expect(registry.get('simulator', 'gpt-4.1-mini')).toBe(registry.get('simulator', 'gpt-4.1-nano'));
    expect(registry.get('simulator', 'gpt-4.1-mini')).not.toBe(registry.get('simulator', 'claude-haiku-4-5'));
    expect(registry.get('openai', 'gpt-4.1-mini')).toBe(registry.get('openai', 'claude-haiku-4-5'));
    expect(registry.get('openai')).not.toBe(registry.get('azure-openai'));
  });

  it.each([
    ['openai', 'provider "openai" needs OPENAI_API_KEY in the worker environment'],
    [
      'azure-openai',
      'provider "azure-openai" needs AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT in the worker environment',
    ],
    ['anthropic', 'provider "anthropic" needs ANTHROPIC_API_KEY in the worker environment'],
    ['gemini', 'provider "gemini" needs GEMINI_API_KEY (or GOOGLE_API_KEY) in the worker environment'],
    [
      'vertex',
      'provider "vertex" needs a project (vertex.project or GOOGLE_CLOUD_PROJECT), a location (vertex.location or GOOGLE_CLOUD_LOCATION), a bucket (vertex.bucket or LLMBATCH_VERTEX_BUCKET)',
    ],
    ['simulator', 'provider "simulator" needs LLMBATCH_SIMULATOR_URL (run `llmbatch dev` or `llmbatch simulator`)'],
    [
      'toString',
      'provider "toString" is not available in this version (use openai, azure-openai, anthropic, gemini, vertex, bedrock or simulator)',
    ],
  ])('refuses %s without what it needs', (name, message) => {
    const registry = createProviderRegistry({ log: () => {} });
    const get = () => registry.get(name as ProviderName, 'gpt-4.1-mini');
    expect(get).toThrow(ProviderConfigError);
    expect(get).toThrow(message);
  });
});
