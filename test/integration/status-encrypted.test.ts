// `llmbatch status` of an encrypted run from a shell without the key: the worker answers, but its
// answer is sealed. The user is told the key is missing (and which variable sets it), not that no
// worker answered.
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { dataConverterWith } from '../../workers/data-converter';
import { cli } from '../support/cli';
import { codecKeys, newKey } from '../support/codec-keys';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { join } from 'node:path';

describe('status of an encrypted run', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ dataConverter: dataConverterWith(codecKeys({ current: newKey() })) });
    writeTickets(join(h.dir, 'tickets.jsonl'), 10);
  });
  afterAll(async () => h?.close());

  it('without the key says the key is missing, not that no worker answered', async () => {
    const spec = loadSpec(h.writeSpec(fastSpec()));
    const runId = `it-status-sealed-${Date.now()}`;
    await (await startRun(h.client, spec, { taskQueue: h.taskQueue, runId })).result();
    const { stdout } = await cli(['status', runId], { LLMBATCH_ENCRYPTION_KEY: '', LLMBATCH_ENCRYPTION_KEY_FILE: '' });
    expect(stdout).toContain('encrypted and this process has no key to read them: set LLMBATCH_ENCRYPTION_KEY');
    expect(stdout).not.toContain('no worker answered');
  });
});
