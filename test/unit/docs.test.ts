// The reference lives in docs/ (README.md is the front door): every field of the run spec's schema
// and every environment variable llmbatch reads must be written down there, so a new field or
// variable cannot land undocumented.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ENV_VARS } from '../../common/config';
import { RunSpecSchema } from '../../common/spec';

const root = join(__dirname, '..', '..');
const docs = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => readFileSync(join(root, 'docs', name), 'utf8'))
  .join('\n');

/** Every key of an object schema, with its dotted path, through optionals, arrays, unions and records. */
function fieldPaths(schema: z.ZodType, prefix = ''): string[] {
  const def = (schema as unknown as { def: { type: string } & Record<string, unknown> }).def;
  switch (def.type) {
    case 'object': {
      const shape = (schema as z.ZodObject).shape as Record<string, z.ZodType>;
      return Object.entries(shape).flatMap(([key, inner]) => {
        const path = prefix ? `${prefix}.${key}` : key;
        return [path, ...fieldPaths(inner, path)];
      });
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
    case 'nonoptional':
      return fieldPaths(def.innerType as z.ZodType, prefix);
    case 'pipe':
      return fieldPaths(def.in as z.ZodType, prefix);
    case 'array':
      return fieldPaths(def.element as z.ZodType, prefix);
    case 'record':
      return fieldPaths(def.valueType as z.ZodType, prefix);
    case 'union':
      return (def.options as z.ZodType[]).flatMap((option) => fieldPaths(option, prefix));
    default:
      return [];
  }
}

const words = new Set(docs.match(/[A-Za-z_][A-Za-z0-9_]*/g));

describe('the reference in docs/', () => {
  const paths = [...new Set(fieldPaths(RunSpecSchema))];

  it('reads the spec schema whole (a walk that found nothing would prove nothing)', () => {
    expect(paths).toEqual(
      expect.arrayContaining(['input', 'template.user', 'poll.startDeadline', 'retry.failoverAfter']),
    );
  });

  it.each(paths)('documents the spec field %s', (path) => {
    // Each segment of the path is named in docs/ (the field tables and the YAML examples use the keys).
    const missing = path.split('.').filter((segment) => !words.has(segment));
    expect(missing).toEqual([]);
  });

  it.each(Object.keys(ENV_VARS))('documents the environment variable %s', (name) => {
    expect(docs).toContain(`\`${name}\``);
  });

  it('keeps README.md a front door: under 250 lines', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8').split('\n').length).toBeLessThan(250);
  });
});
