// The fake model on its own: schema-satisfying answers across the JSON Schema constructs run specs
// use, deliberate violations for the corruption fault, determinism, and the token formula.
import Ajv2020 from 'ajv/dist/2020';
import Ajv from 'ajv';
import { answerChat } from '../../simulator/core/fake-model';
import { sampleSchema, UNBREAKABLE, violateSchema } from '../../simulator/core/json-schema-sample';
import { Rng } from '../../simulator/core/random';

const SCHEMAS: Record<string, object> = {
  enumAndBounds: {
    type: 'object',
    required: ['a', 'b', 'c', 'd'],
    properties: {
      a: { enum: ['x', 'y', 3] },
      b: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      c: { type: 'integer', minimum: 10, maximum: 10 },
      d: { type: 'integer', multipleOf: 5, minimum: 1, maximum: 30 },
    },
  },
  strings: {
    type: 'object',
    required: ['short', 'long', 'date', 'email', 'id', 'code'],
    properties: {
      short: { type: 'string', maxLength: 3 },
      long: { type: 'string', minLength: 50 },
      date: { type: 'string', format: 'date' },
      email: { type: 'string', format: 'email' },
      id: { type: 'string', format: 'uuid' },
      code: { type: 'string', pattern: '^[0-9]+$' },
    },
  },
  arrays: {
    type: 'object',
    required: ['exact', 'unique', 'nested'],
    properties: {
      exact: { type: 'array', minItems: 4, maxItems: 4, items: { type: 'boolean' } },
      unique: { type: 'array', uniqueItems: true, minItems: 2, items: { enum: ['p', 'q', 'r'] } },
      nested: { type: 'array', items: { type: 'object', required: ['k'], properties: { k: { type: 'null' } } } },
    },
  },
  unions: {
    type: 'object',
    required: ['maybe', 'either', 'one', 'all'],
    properties: {
      maybe: { anyOf: [{ type: 'null' }, { type: 'string', minLength: 1 }] },
      either: { type: ['integer', 'null'], minimum: 3 },
      one: { oneOf: [{ type: 'object', required: ['z'], properties: { z: { const: 'zed' } } }, { type: 'string' }] },
      all: {
        allOf: [
          { type: 'object', required: ['p'], properties: { p: { type: 'integer' } } },
          { required: ['q'], properties: { q: { type: 'string' } } },
        ],
      },
    },
  },
  recursiveRef: {
    $ref: '#/definitions/node',
    definitions: {
      node: {
        type: 'object',
        required: ['name', 'children', 'parent'],
        properties: {
          name: { type: 'string' },
          parent: { anyOf: [{ $ref: '#/definitions/node' }, { type: 'null' }] },
          children: { type: 'array', items: { $ref: '#/definitions/node' } },
        },
      },
    },
  },
};

/** The formats the sampler knows, checked by shape (ajv-formats is not a dependency of ours). */
function compile(schema: object) {
  const ajv = 'definitions' in schema ? new Ajv({ strict: false }) : new Ajv2020({ strict: false });
  ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
  ajv.addFormat('email', /^[^@\s]+@[^@\s]+\.[a-z]+$/);
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  return ajv.compile(schema);
}

describe.each(Object.entries(SCHEMAS))('schema %s', (_name, schema) => {
  const validate = compile(schema);

  test('samples satisfy it for many seeds', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const value = sampleSchema(schema, new Rng(seed));
      expect(validate(value) ? null : { value, errors: validate.errors }).toBeNull();
    }
  });

  test('violations break it', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const value = violateSchema(schema, new Rng(seed));
      expect(value).not.toBe(UNBREAKABLE);
      expect(validate(value)).toBe(false);
    }
  });
});

describe('answerChat', () => {
  const body = {
    model: 'gpt-4.1-mini',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: [{ type: 'text', text: 'Long question '.repeat(10) }] },
    ],
    max_tokens: 5,
  };

  test('echoes the first 80 characters of the last user message and caps usage at max tokens', () => {
    const answer = answerChat(body);
    expect(answer.content).toBe(`Answer to: ${'Long question '.repeat(10).slice(0, 80)}`);
    expect(answer.usage.prompt_tokens).toBe(Math.ceil((14 + 140) / 4) + 6);
    expect(answer.usage.completion_tokens).toBe(5);
  });

  test('is a pure function of the request, whatever its key order', () => {
    const schema = SCHEMAS.enumAndBounds;
    const a = answerChat({ ...body, response_format: { type: 'json_schema', json_schema: { schema } } });
    const reordered = {
      response_format: { json_schema: { schema }, type: 'json_schema' },
      max_tokens: 5,
      messages: body.messages,
      model: body.model,
    };
    expect(answerChat(reordered).content).toBe(a.content);
  });

  test('corruption gives valid JSON that breaks the schema, or an empty answer', () => {
    const schema = SCHEMAS.enumAndBounds;
    const req = { ...body, response_format: { type: 'json_schema', json_schema: { schema } } };
    const broken = answerChat(req, 'schema').content;
    expect(new Ajv2020({ strict: false }).validate(schema, JSON.parse(broken))).toBe(false);
    expect(answerChat(req, 'empty').content).toBe('');
  });
});
