// Azure OpenAI: the same pipeline through the `AzureOpenAI` client of the openai package, against
// the simulator's /openai/... paths (the spec's model is the deployment name).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { LABEL_SCHEMA, writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';

describe('Azure OpenAI batches', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      profile: { batch: { validatingMs: 20, completionMs: 100 } },
      // What a user sets as AZURE_OPENAI_API_KEY / AZURE_OPENAI_ENDPOINT, pointed at the simulator.
      providerEnv: (simulatorUrl) => ({ azureApiKey: 'azure-key', azureEndpoint: simulatorUrl }),
    });
  });
  afterAll(async () => h?.close());

  it('runs a spec with provider azure-openai', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 200);
    writeFileSync(join(h.dir, 'label.schema.json'), JSON.stringify(LABEL_SCHEMA));
    const spec = loadSpec(
      h.writeSpec(fastSpec({ provider: 'azure-openai', output: { dir: 'out', schema: 'label.schema.json' } })),
    );
    const report = await (
      await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-azure-${Date.now()}` })
    ).result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ items: 200, succeeded: 200, deadLettered: 0, batches: 2, provider: 'azure-openai' });
    const ledger = h.simulator.ledger();
    expect(ledger.byProvider.azure).toMatchObject({ requestsBilled: 200 });
    expect(ledger.byProvider.openai).toBeUndefined();
    expect(ledger.doubleBilled).toBe(0);
  });
});
