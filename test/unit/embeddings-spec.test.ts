// `endpoint: embeddings` in a spec: what loads, and every contradiction refused with one line by path.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SpecError, loadSpec } from '../../client/spec-loader';

function specAt(spec: Record<string, unknown>, input = '{"id":1,"text":"a"}\n', inputName = 'texts.jsonl'): string {
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-embed-spec-'));
  writeFileSync(join(dir, inputName), input);
  const path = join(dir, 'spec.yaml');
  writeFileSync(path, stringify(spec));
  return path;
}

function problemsOf(spec: Record<string, unknown>, input?: string, inputName?: string): string[] {
  try {
    loadSpec(specAt(spec, input, inputName));
  } catch (error) {
    if (error instanceof SpecError) return error.problems;
    throw error;
  }
  throw new Error('expected the spec to be refused');
}

const EMBED = {
  name: 'embed-docs',
  input: 'texts.jsonl',
  id: 'id',
  endpoint: 'embeddings',
  embed: 'text',
  output: { dir: 'out' },
  provider: 'openai',
  model: 'text-embedding-3-small',
};

describe('an embeddings spec', () => {
  it('resolves to the field to embed, no template and no output tokens', () => {
    const spec = loadSpec(specAt({ ...EMBED, dimensions: 256, mode: 'sync' }));
    expect(spec.embed).toEqual({ field: 'text', dimensions: 256 });
    expect(spec.template).toBeUndefined();
    expect(spec.maxTokens).toBe(0);
    expect(spec.mode).toBe('sync');
  });

  it('runs on azure-openai with an embeddings deploymentModel, and on the simulator', () => {
    expect(
      loadSpec(
        specAt({ ...EMBED, provider: 'azure-openai', model: 'my-embedder', deploymentModel: 'text-embedding-3-large' }),
      ).priceModel,
    ).toBe('text-embedding-3-large');
    expect(loadSpec(specAt({ ...EMBED, provider: 'simulator' })).embed).toEqual({ field: 'text' });
  });

  it('refuses what an embedding has no use for, one line each', () => {
    expect(
      problemsOf({
        ...EMBED,
        template: { user: '{{text}}' },
        output: { dir: 'out', schema: 'label.schema.json' },
        maxTokens: 10,
        routing: { rules: [{ when: { inputTokensOver: 5 }, model: 'text-embedding-3-large' }] },
      }),
    ).toEqual(
      expect.arrayContaining([
        'template: not used with endpoint: embeddings (the embed field is embedded as it is)',
        'output.schema: not used with endpoint: embeddings (the answer is a vector)',
        'maxTokens: not used with endpoint: embeddings (an embedding has no output tokens)',
        'routing: not available with endpoint: embeddings (vectors of two models cannot be compared)',
      ]),
    );
    expect(problemsOf({ ...EMBED, mode: 'hybrid', hybrid: { syncWhen: { field: 'p', equals: 'high' } } })).toEqual([
      'mode: hybrid is not available with endpoint: embeddings (use batch or sync)',
    ]);
  });

  it('needs its field, and the field must be a CSV column', () => {
    expect(problemsOf({ ...EMBED, embed: undefined })).toEqual([
      'embed: required with endpoint: embeddings (the item field whose text is embedded)',
    ]);
    expect(problemsOf({ ...EMBED, input: 'texts.csv' }, 'id,body\n1,hello\n', 'texts.csv')).toEqual([
      expect.stringMatching(/^embed: "text" is not a column of .*texts\.csv \(columns: id, body\)$/),
    ]);
  });

  it('refuses Anthropic, which has no embeddings API, and a chat model', () => {
    expect(problemsOf({ ...EMBED, provider: 'anthropic', model: 'claude-haiku-4-5' })).toEqual([
      'provider: anthropic with model claude-haiku-4-5 cannot embed: Anthropic has no embeddings API (use openai, azure-openai, gemini or simulator with text-embedding-3-small, text-embedding-3-large, text-embedding-ada-002, gemini-embedding-001)',
    ]);
    expect(problemsOf({ ...EMBED, provider: 'simulator', model: 'claude-haiku-4-5' })).toHaveLength(1);
    expect(problemsOf({ ...EMBED, model: 'gpt-4.1-mini' })).toEqual([
      'model: "gpt-4.1-mini" is not an embeddings model (text-embedding-3-small, text-embedding-3-large, text-embedding-ada-002, gemini-embedding-001)',
    ]);
  });

  it('refuses dimensions the model cannot give', () => {
    expect(problemsOf({ ...EMBED, model: 'text-embedding-ada-002', dimensions: 256 })).toEqual([
      'dimensions: text-embedding-ada-002 does not take dimensions (its vectors have 1536)',
    ]);
    expect(problemsOf({ ...EMBED, dimensions: 2048 })).toEqual([
      "dimensions: 2048 is more than text-embedding-3-small's 1536",
    ]);
  });
});

describe('a chat spec', () => {
  const CHAT = {
    ...EMBED,
    endpoint: undefined,
    embed: undefined,
    model: 'gpt-4.1-mini',
    template: { user: '{{text}}' },
  };

  it('refuses the embeddings fields, an embeddings model, and a missing template', () => {
    expect(problemsOf({ ...CHAT, embed: 'text', dimensions: 8 })).toEqual([
      'embed: only used with endpoint: embeddings',
      'dimensions: only used with endpoint: embeddings',
    ]);
    expect(problemsOf({ ...CHAT, model: 'text-embedding-3-small' })).toEqual([
      'model: "text-embedding-3-small" is an embeddings model: use endpoint: embeddings with embed: FIELD',
    ]);
    expect(problemsOf({ ...CHAT, template: undefined })).toEqual([
      'template: required (or endpoint: embeddings with embed: FIELD)',
    ]);
  });
});
