// Spec problems found before anything starts: placeholders that are not field paths, an output
// folder that cannot be written, and a CSV whose header cannot serve the spec.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { SpecError, loadSpec } from '../../client/spec-loader';

function world(spec: Record<string, unknown>, files: Record<string, string> = {}): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-spec-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const path = join(dir, 'spec.yaml');
  writeFileSync(path, stringify(spec));
  return { dir, path };
}

function problemsOf(path: string): string[] {
  try {
    loadSpec(path);
  } catch (error) {
    if (error instanceof SpecError) return error.problems;
    throw error;
  }
  throw new Error('expected the spec to be refused');
}

const GOOD = {
  name: 'classify-tickets',
  input: 'tickets.jsonl',
  id: 'id',
  template: { system: 'You classify.', user: 'Ticket: {{subject}}' },
  output: { dir: 'out' },
  provider: 'openai',
  model: 'gpt-4.1-mini',
};
const FILES = { 'tickets.jsonl': '{"id":1,"subject":"a"}\n' };

describe('template problems', () => {
  it('lists every placeholder that is not a field path, by path', () => {
    const { path } = world(
      { ...GOOD, template: { system: 'Hi {{name', user: '{{sub ject}} {{a..b}} {{ok}} {{__proto__.x}}' } },
      { 'tickets.jsonl': '{"id":1,"subject":"a","ok":true}\n' },
    );
    expect(problemsOf(path)).toEqual([
      'template.system: "{{name" has no closing }} (use {{field}} or {{a.b}})',
      'template.user: "{{sub ject}}" is not a field path (use {{field}} or {{a.b}})',
      'template.user: "{{a..b}}" is not a field path (use {{field}} or {{a.b}})',
      'template.user: "{{__proto__.x}}" uses "__proto__", which cannot be a field name in a template',
    ]);
  });

  it('refuses {{toString}} or any placeholder that no line of a JSONL input holds, listing the fields', () => {
    const { path } = world(
      {
        ...GOOD,
        template: { system: '{{toString}}', user: '{{subject}} {{customer.name}} {{subjct}}' },
      },
      { 'tickets.jsonl': '{"id":1,"subject":"a"}\nnot json\n{"id":2,"subject":"b","customer":{"name":"Ana"}}\n' },
    );
    expect(problemsOf(path)).toEqual([
      `template.system: "{{toString}}" names no field of the first 2 lines of ${join(dirname(path), 'tickets.jsonl')} (fields: id, subject, customer)`,
      `template.user: "{{subjct}}" names no field of the first 2 lines of ${join(dirname(path), 'tickets.jsonl')} (fields: id, subject, customer)`,
    ]);
  });

  it('are listed with the schema problems of the same spec', () => {
    const { path } = world({ ...GOOD, chunkSize: -1, template: { user: '{{}}' } }, FILES);
    expect(problemsOf(path)).toEqual([
      expect.stringMatching(/^chunkSize: /),
      'template.user: "{{}}" is not a field path (use {{field}} or {{a.b}})',
    ]);
  });
});

describe('output.dir', () => {
  it('refuses a file where the folder should be', () => {
    const { dir, path } = world(GOOD, { ...FILES, out: 'a file' });
    expect(problemsOf(path)).toEqual([`output.dir: ${join(dir, 'out')} is a file, not a folder`]);
  });

  it('refuses a folder that would have to be made inside a file', () => {
    const { dir, path } = world({ ...GOOD, output: { dir: 'out/run/1' } }, { ...FILES, out: 'a file' });
    expect(problemsOf(path)).toEqual([
      `output.dir: ${join(dir, 'out')} is a file, not a folder (${join(dir, 'out/run/1')} would be inside it)`,
    ]);
  });

  it('checks the --out override and the default out/<name> the same way', () => {
    const { dir, path } = world(GOOD, { ...FILES, taken: 'x' });
    expect(() => loadSpec(path, { outputDir: join(dir, 'taken') })).toThrow(
      `output.dir: ${join(dir, 'taken')} is a file, not a folder`,
    );
    const { path: noDir } = world({ ...GOOD, output: undefined }, FILES);
    expect(loadSpec(noDir).outputDir).toBe(join(process.cwd(), 'out', 'classify-tickets'));
  });

  it('accepts a folder that does not exist yet under a writable one', () => {
    const { dir, path } = world({ ...GOOD, output: { dir: 'a/b/c' } }, FILES);
    expect(loadSpec(path).outputDir).toBe(join(dir, 'a/b/c'));
  });

  // root may write anywhere, so the permission check can only be seen as another user.
  (process.getuid?.() === 0 ? it.skip : it)('refuses a folder that is not writable', () => {
    const { dir, path } = world(GOOD, FILES);
    mkdirSync(join(dir, 'out'));
    chmodSync(join(dir, 'out'), 0o500);
    try {
      expect(problemsOf(path)).toEqual([`output.dir: ${join(dir, 'out')} is not writable`]);
    } finally {
      chmodSync(join(dir, 'out'), 0o700);
    }
  });
});

describe('CSV input', () => {
  const CSV_SPEC = { ...GOOD, input: 'tickets.csv', template: { user: 'Ticket: {{subject}} {{body}}' } };

  it('loads a CSV whose header holds the id and every template field', () => {
    const { path } = world(CSV_SPEC, { 'tickets.csv': 'id,subject,body\n1,a,b\n' });
    expect(loadSpec(path).inputFormat).toBe('csv');
  });

  it('refuses a header that names a column twice', () => {
    const { dir, path } = world(CSV_SPEC, { 'tickets.csv': 'id,subject,body,subject\n1,a,b,c\n' });
    expect(problemsOf(path)).toEqual([
      `input: ${join(dir, 'tickets.csv')}: CSV header (line 1) names column "subject" twice (columns 2 and 4)`,
    ]);
  });

  it('refuses an empty header line', () => {
    const { dir, path } = world(CSV_SPEC, { 'tickets.csv': '\n1,a,b\n' });
    expect(problemsOf(path)).toEqual([
      `input: ${join(dir, 'tickets.csv')}: CSV header (line 1) is empty: the first line must name the columns`,
    ]);
  });

  it('refuses an id column and template fields the header does not have', () => {
    const { dir, path } = world(
      { ...CSV_SPEC, id: 'ticket_id', template: { user: '{{subjet}} {{body}} {{customer.name}}' } },
      { 'tickets.csv': 'id,subject,body\n1,a,b\n' },
    );
    const file = join(dir, 'tickets.csv');
    expect(problemsOf(path)).toEqual([
      `id: "ticket_id" is not a column of ${file} (columns: id, subject, body)`,
      `template.user: "{{subjet}}" names no column of ${file} (columns: id, subject, body)`,
      `template.user: "{{customer.name}}" names no column of ${file} (columns: id, subject, body)`,
    ]);
  });
});

describe('provider gemini', () => {
  it('runs Gemini models only, routes and fails over by wire, and cannot embed yet', () => {
    const ok = world({ ...GOOD, provider: 'gemini', model: 'gemini-2.5-flash' }, FILES);
    expect(loadSpec(ok.path)).toMatchObject({ provider: 'gemini', model: 'gemini-2.5-flash' });
    const failover = world(
      {
        ...GOOD,
        failover: [
          { provider: 'gemini', model: 'gemini-2.5-flash-lite' },
          { provider: 'simulator', model: 'gemini-2.0-flash' },
        ],
      },
      FILES,
    );
    expect(loadSpec(failover.path).failover).toHaveLength(2);

    const { path } = world(
      {
        ...GOOD,
        provider: 'gemini',
        model: 'claude-haiku-4-5',
        routing: { rules: [{ when: { inputTokensOver: 10 }, model: 'gpt-4.1' }] },
        failover: [
          { provider: 'gemini', model: 'gpt-4.1-mini' },
          { provider: 'openai', model: 'gemini-2.5-pro' },
        ],
      },
      FILES,
    );
    expect(problemsOf(path)).toEqual(
      expect.arrayContaining([
        'model: "claude-haiku-4-5" is not a Gemini model (e.g. gemini-2.5-flash)',
        'routing.rules.0.model: "gpt-4.1" cannot run on provider gemini with model claude-haiku-4-5',
        'failover.0.model: "gpt-4.1-mini" cannot run on provider gemini',
        'failover.1.model: "gemini-2.5-pro" cannot run on provider openai',
      ]),
    );
    const openai = world({ ...GOOD, model: 'gemini-2.5-pro' }, FILES);
    expect(problemsOf(openai.path)).toContain(
      'model: "gemini-2.5-pro" is a Gemini model; provider openai cannot run it',
    );
    const embed = world(
      {
        ...GOOD,
        template: undefined,
        endpoint: 'embeddings',
        embed: 'subject',
        provider: 'gemini',
        model: 'gemini-2.5-flash',
      },
      FILES,
    );
    expect(problemsOf(embed.path)).toContain(
      'model: "gemini-2.5-flash" is not an embeddings model (text-embedding-3-small, text-embedding-3-large, text-embedding-ada-002, gemini-embedding-001)',
    );
  });

  it('embeds with gemini-embedding-001, its vectors shortened by dimensions', () => {
    const embeddings = { ...GOOD, template: undefined, endpoint: 'embeddings', embed: 'subject', provider: 'gemini' };
    const ok = world({ ...embeddings, model: 'gemini-embedding-001', dimensions: 768 }, FILES);
    expect(loadSpec(ok.path)).toMatchObject({
      provider: 'gemini',
      model: 'gemini-embedding-001',
      maxTokens: 0,
      embed: { field: 'subject', dimensions: 768 },
    });
    const shorter = world({ ...embeddings, model: 'gemini-embedding-001', dimensions: 3000 }, FILES);
    expect(loadSpec(shorter.path).embed).toEqual({ field: 'subject', dimensions: 3000 });
    const openai = world({ ...embeddings, provider: 'openai', model: 'gemini-embedding-001' }, FILES);
    expect(problemsOf(openai.path)).toContain(
      'model: "gemini-embedding-001" is a Gemini model; provider openai cannot run it',
    );
  });
});
