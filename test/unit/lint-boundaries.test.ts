// `npm run lint` enforces the layering: the fixture under test/lint/ (a provider importing from
// activities) is refused when it sits in providers/, and allowed in client/, which may import anything;
// no import circles: madge (lint:cycles) finds the one planted in test/lint/cycle/; and no copied
// blocks: jscpd (lint:copies) finds the one planted in test/lint/copies/; and no function over 80
// lines in activities/ or workflows/ (max-lines-per-function).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(__dirname, '..', '..');
const fixture = readFileSync(join(root, 'test', 'lint', 'provider-imports-activities.ts'), 'utf8');

// The fixture is linted under paths that do not exist on disk, so the type-aware parser is told to
// give them the default project.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*/lint-fixture.ts'] } } },
  },
});

async function importProblems(asFile: string): Promise<string[]> {
  const [result] = await eslint.lintText(fixture, { filePath: join(root, asFile) });
  return result.messages
    .filter((m) => m.fatal || m.ruleId === 'no-restricted-imports')
    .map((m) => `${m.ruleId}: ${m.message}`);
}

describe('import boundaries', () => {
  it('refuses a provider that imports from activities', async () => {
    expect(await importProblems('providers/lint-fixture.ts')).toEqual([
      "no-restricted-imports: '../activities/plan/request-key' import is restricted from being used by a pattern. providers/ and store/ import only common/.",
    ]);
  });

  it('lets client/ import activities', async () => {
    expect(await importProblems('client/lint-fixture.ts')).toEqual([]);
  });
});

describe('function length', () => {
  /** A function of `lines` statements, linted as if it sat at `asFile`. */
  async function lengthProblems(asFile: string, lines: number): Promise<string[]> {
    const body = Array.from({ length: lines }, (_, i) => `  total += ${i};`).join('\n');
    const text = `export function long(): number {\n  let total = 0;\n${body}\n  return total;\n}\n`;
    const [result] = await eslint.lintText(text, { filePath: join(root, asFile) });
    return result.messages.filter((m) => m.fatal || m.ruleId === 'max-lines-per-function').map((m) => m.message);
  }

  it('refuses a function over 80 lines in activities/ and workflows/, and only there', async () => {
    expect(await lengthProblems('activities/lint-fixture.ts', 90)).toEqual([
      "Function 'long' has too many lines (94). Maximum allowed is 80.",
    ]);
    expect(await lengthProblems('workflows/lint-fixture.ts', 90)).toHaveLength(1);
    expect(await lengthProblems('activities/lint-fixture.ts', 70)).toEqual([]);
    expect(await lengthProblems('client/lint-fixture.ts', 90)).toEqual([]);
  });
});

describe('import circles', () => {
  const madge = (folder: string) =>
    spawnSync(
      process.execPath,
      [require.resolve('madge/bin/cli.js'), '--circular', '--extensions', 'ts', '--ts-config', 'tsconfig.json', folder],
      { cwd: root, encoding: 'utf8' },
    );

  it('finds a planted circle and fails', () => {
    const found = madge('test/lint/cycle');
    expect(found.status).not.toBe(0);
    expect(found.stdout).toContain('a.ts > b.ts');
  });
});

describe('copied code', () => {
  it('finds a planted copy of six lines or more and fails', () => {
    const found = spawnSync(
      process.execPath,
      [require.resolve('jscpd/run-jscpd.js'), '--min-lines', '6', '--threshold', '0', '--silent', 'test/lint/copies'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(found.status).not.toBe(0);
    expect(found.stdout + found.stderr).toMatch(/1 exact clones/);
  });
});
