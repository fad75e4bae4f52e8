// One simulator per test file, with the official clients pointed at it (no retries: a test sees
// every answer), reset to the file's profile before each test.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { AzureOpenAI } from 'openai';
import { startSimulator, type ProfileInput, type RunningSimulator } from '../../simulator';

export interface SimulatorClients {
  sim: RunningSimulator;
  openai: OpenAI;
  anthropic: Anthropic;
  azure: AzureOpenAI;
}

/** Registers the jest hooks; `ready` receives the simulator and clients once they exist. */
export function useSimulator(profile: ProfileInput, ready: (clients: SimulatorClients) => void): void {
  let sim: RunningSimulator | undefined;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, profile });
    ready({
      sim,
      openai: new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sim', maxRetries: 0 }),
      anthropic: new Anthropic({ baseURL: sim.url, apiKey: 'sim', maxRetries: 0 }),
      azure: new AzureOpenAI({ endpoint: sim.url, apiKey: 'azure-key', apiVersion: '2024-10-21', maxRetries: 0 }),
    });
  });
  afterAll(async () => sim?.close());
  beforeEach(() => {
    sim?.reset();
    sim?.setProfile(profile);
  });
}
