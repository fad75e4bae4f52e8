// Replays histories recorded from real runs (test/fixtures/histories) against today's workflow
// code: a change that would break running workflows fails here instead of in production.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/harness';
import '../support/quiet-logs';

const DIR = join(__dirname, '..', 'fixtures', 'histories');

describe('workflow replay', () => {
  it('replays every recorded history without nondeterminism', async () => {
    const ids = JSON.parse(readFileSync(join(DIR, 'workflow-ids.json'), 'utf8')) as Record<string, string>;
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json');
    expect(files.length).toBeGreaterThanOrEqual(2);
    const histories = files.map((file) => ({
      workflowId: ids[file] ?? file,
      history: historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8'))),
    }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
