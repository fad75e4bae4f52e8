// `npm run demo -- --provider NAME` picks the spec's provider and model; an unknown name is refused
// with the names it takes.
import { demoProviderOf } from '../../client/demo-providers';

describe('the demo --provider flag', () => {
  it('takes each family it runs, in both spellings, and the simulator by default', () => {
    expect(demoProviderOf(['node', 'demo'])).toEqual({ provider: 'simulator', model: 'gpt-4.1-mini' });
    expect(demoProviderOf(['node', 'demo', '--provider', 'anthropic'])).toEqual({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
    });
    expect(demoProviderOf(['node', 'demo', '--provider=azure-openai'])).toMatchObject({
      provider: 'azure-openai',
      deploymentModel: 'gpt-4.1-mini',
    });
  });

  it('refuses a name it does not run, saying which it does', () => {
    expect(() => demoProviderOf(['node', 'demo', '--provider', 'openia'])).toThrow(
      /^--provider openia: the demo runs simulator, openai, azure-openai, anthropic, gemini/,
    );
    expect(() => demoProviderOf(['node', 'demo', '--provider'])).toThrow(/^--provider \(missing\)/);
  });
});
