// `llmbatch simulator`: the provider simulator on its own, for pointing the SDKs or a worker at it
// (LLMBATCH_SIMULATOR_URL). Prints exactly `listening on <url>` so scripts can wait for that line;
// the lines after it say how each official client reaches it.
import { Command } from 'commander';
import { z } from 'zod';
import { portOption } from '../command-options';
import { DEFAULT_SIMULATOR_PORT, loadProfileFile, startSimulator } from '../../simulator';
import { processConfig } from '../../workers/settings';

const optionsSchema = z.object({
  port: portOption.default(DEFAULT_SIMULATOR_PORT),
  host: z.string().min(1).default('127.0.0.1'),
  profile: z.string().min(1).optional(),
  storage: z
    .string()
    .regex(/^https?:\/\/[^\s/]+/, 'expected the http(s) URL of a Cloud Storage server (fake-gcs-server)')
    .optional(),
});

export function simulatorCommand(): Command {
  return new Command('simulator')
    .description(
      'run the provider simulator (OpenAI, Azure OpenAI and Anthropic batch and sync APIs, with faults) until Ctrl-C',
    )
    .option('--port <n>', `port to listen on, 0 for a free one (default: ${DEFAULT_SIMULATOR_PORT})`)
    .option('--host <address>', 'address to bind (default: 127.0.0.1)')
    .option('--profile <file>', 'fault profile, YAML or JSON (default: a fault-free fast provider)')
    .option(
      '--storage <url>',
      "Cloud Storage server (fake-gcs-server) for Vertex AI batch jobs' inputs and predictions (default: STORAGE_EMULATOR_HOST; none = Vertex jobs refused)",
    )
    .action(async (raw: unknown) => {
      const options = optionsSchema.parse({ storage: processConfig().providers.storageEndpoint, ...(raw as object) });
      const profile = options.profile ? loadProfileFile(options.profile) : undefined;
      const simulator = await startSimulator({
        port: options.port,
        host: options.host,
        profile,
        storageUrl: options.storage,
      });
      console.log(`listening on ${simulator.url}`);
      console.log(`  OpenAI:       new OpenAI({ apiKey: 'sim', baseURL: '${simulator.url}/v1' })`);
      console.log(
        `  Azure OpenAI: new AzureOpenAI({ apiKey: 'sim', endpoint: '${simulator.url}', apiVersion: '2024-10-21' })`,
      );
      console.log(`  Anthropic:    new Anthropic({ apiKey: 'sim', baseURL: '${simulator.url}' })`);
      console.log(
        `  Vertex AI:    new GoogleGenAI({ vertexai: true, project, location, httpOptions: { baseUrl: '${simulator.url}' } }), a token from ${simulator.url}/token${options.storage ? `, Cloud Storage ${options.storage}` : ' (no --storage: jobs refused)'}`,
      );
      console.log(`  admin:        ${simulator.url}/_sim/ledger, PUT /_sim/profile, POST /_sim/reset`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await simulator.close();
    });
}
