// `npm run demo -- --provider NAME`: which provider and model the demo's spec runs with. Each runs
// through that provider's own client and wire, the worker's clients pointed at the simulator.

export interface DemoProvider {
  provider: string;
  model: string;
  deploymentModel?: string;
  /** Provider bedrock: the demo's bucket (on the S3 emulator the demo starts) and a made-up role. */
  bedrock?: { bucket: string; prefix: string; roleArn: string };
}

/** What `--provider NAME` runs: the spec's provider and model (the demo spec's own is `simulator`). */
export const DEMO_PROVIDERS: Record<string, DemoProvider> = {
  simulator: { provider: 'simulator', model: 'gpt-4.1-mini' },
  openai: { provider: 'openai', model: 'gpt-4.1-mini' },
  // The spec's model is the deployment's name, priced as its deploymentModel.
  'azure-openai': { provider: 'azure-openai', model: 'gpt-4.1-mini', deploymentModel: 'gpt-4.1-mini' },
  anthropic: { provider: 'anthropic', model: 'claude-haiku-4-5' },
  gemini: { provider: 'gemini', model: 'gemini-2.5-flash' },
  // Through Cloud Storage too: the demo starts the fake-gcs-server emulator for it.
  vertex: { provider: 'vertex', model: 'gemini-2.5-flash' },
  bedrock: {
    provider: 'bedrock',
    model: 'anthropic.claude-haiku-4-5-20251001-v1:0',
    bedrock: { bucket: 'llmbatch-demo', prefix: 'demo', roleArn: 'arn:aws:iam::123456789012:role/llmbatch-demo' },
  },
};

/** `--provider NAME` (or `--provider=NAME`); the simulator's own wire when absent. */
export function demoProviderOf(argv: string[]): DemoProvider {
  const at = argv.findIndex((a) => a === '--provider' || a.startsWith('--provider='));
  if (at < 0) return DEMO_PROVIDERS.simulator;
  const name = argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1];
  const chosen = name ? DEMO_PROVIDERS[name] : undefined;
  if (!chosen)
    throw new Error(`--provider ${name ?? '(missing)'}: the demo runs ${Object.keys(DEMO_PROVIDERS).join(', ')}`);
  return chosen;
}
