// `npm run demo -- --provider NAME` as a new user runs it (in a folder of their own): the whole
// embedded stack, the run through that provider's own client and wire against the simulator, every
// line accounted for, a priced cost, and the simulator's ledger with nothing billed twice. A soak
// test: five whole stacks one after the other take over a minute.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

describe('the demo through each provider family', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it.each([
    ['anthropic', 'claude-haiku-4-5'],
    ['azure-openai', 'gpt-4.1-mini'],
    ['gemini', 'gemini-2.5-flash'],
    ['vertex', 'gemini-2.5-flash'],
    ['bedrock', 'anthropic.claude-haiku-4-5-20251001-v1:0'],
  ])(
    '--provider %s',
    async (provider, model) => {
      const dir = mkdtempSync(join(tmpdir(), `llmbatch-demo-${provider}-`));
      dirs.push(dir);
      const { stdout } = await run(
        process.execPath,
        ['--require', require.resolve('tsx/cjs'), join(ROOT, 'client', 'demo.ts'), '--provider', provider],
        { cwd: dir, env: { ...process.env, NODE_OPTIONS: '', CI: '1' }, timeout: 240_000 },
      );
      expect(stdout).toContain(`, ${provider}/${model})`);
      expect(stdout).toContain(
        'every input line accounted for: 1200 lines = 1199 results + 0 dead letters + 1 rejected',
      );
      expect(stdout).toMatch(/simulator ledger: \d+ batches, 1147 requests billed, \$0\.0\d+, doubleBilled 0/);
      const report = JSON.parse(readFileSync(join(dir, 'out', 'demo', 'report.json'), 'utf8')) as {
        costUsd: { actual: number };
        byProvider: Record<string, unknown>;
      };
      expect(report.costUsd.actual).toBeGreaterThan(0);
      expect(Object.keys(report.byProvider)).toEqual([provider]);
    },
    300_000,
  );
});
