// Validates HTTP responses against the official OpenAI OpenAPI description of our paths (a copy of
// the team's shared/specs file, kept in test/fixtures/openapi so a fresh clone has it) with Ajv, the JSON Schema
// validator the project already depends on. OpenAPI 3.1 Schema Objects are JSON Schema 2020-12
// plus a few annotation keywords, so the spec's components are compiled as they are with Ajv2020;
// the only rewriting is for what 3.1 dropped but this spec still writes: `nullable: true` (an
// OpenAPI 3.0 keyword) becomes the 3.1 way of saying it, a union with `null`. Which schema a
// response must satisfy is read from the spec's `paths` (method, path template, status), not
// chosen by hand; error statuses the spec leaves undeclared are checked against its ErrorResponse.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SPEC_PATH = join(__dirname, '../fixtures/openapi/openai-batch-files-chat-embeddings.openapi.json');
const SPEC_ID = 'https://llmbatch.test/openai.openapi.json';

type Json = Record<string, unknown>;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  /** Status code -> the JSON schema of its application/json body. */
  responses: Map<string, unknown>;
}

/** `nullable: true` -> a union with null, the OpenAPI 3.1 / JSON Schema spelling. */
function fromOpenApi(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fromOpenApi);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    // $refs into components are re-pointed at $defs, where the compiled document keeps them.
    if (key === '$ref' && typeof value === 'string') out[key] = value.replace('#/components/schemas/', '#/$defs/');
    else out[key] = fromOpenApi(value);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string' && !('enum' in out)) out.type = [out.type, 'null'];
    else return { anyOf: [out, { type: 'null' }] };
  } else if (out.nullable === false) {
    delete out.nullable;
  }
  return out;
}

export interface Violation {
  what: string;
  errors: ErrorObject[];
}

export class OpenApiValidator {
  private readonly ajv: Ajv2020;
  private readonly operations: Operation[] = [];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(specPath = SPEC_PATH) {
    const spec = JSON.parse(readFileSync(specPath, 'utf8')) as {
      paths: Record<string, Record<string, { responses?: Record<string, Json> }>>;
      components: { schemas: Record<string, unknown>; responses: Record<string, Json> };
    };
    // Strict: a keyword Ajv does not know is an error, except OpenAPI's own annotations, declared here.
    this.ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
    for (const keyword of ['example', 'discriminator', 'xml', 'externalDocs'])
      this.ajv.addKeyword({ keyword, schemaType: ['object', 'string', 'number', 'boolean', 'array', 'null'] });
    for (const keyword of ['x-oaiMeta', 'x-oaiTypeLabel', 'x-stainless-const', 'x-oaiExpandable'])
      this.ajv.addKeyword({ keyword });
    // OpenAPI's data-type formats: unixtime (integer seconds), and the numeric widths.
    this.ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
    this.ajv.addFormat('binary', true);
    this.ajv.addFormat('uri', { type: 'string', validate: (s: string) => URL.canParse(s) });
    this.ajv.addSchema({ $id: SPEC_ID, $defs: fromOpenApi(spec.components.schemas) as Json });

    for (const [template, item] of Object.entries(spec.paths)) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      for (const [method, op] of Object.entries(item)) {
        const responses = new Map<string, unknown>();
        for (const [status, raw] of Object.entries(op.responses ?? {})) {
          let response = raw;
          if (typeof response.$ref === 'string')
            response = spec.components.responses[response.$ref.split('/').pop() as string];
          const schema = (response.content as Json | undefined)?.['application/json'] as Json | undefined;
          if (schema?.schema) responses.set(status, fromOpenApi(schema.schema));
        }
        this.operations.push({ method: method.toUpperCase(), template, pattern, responses });
      }
    }
  }

  /** The spec's schema for this component, compiled once. */
  component(name: string): ValidateFunction {
    return this.compile({ $ref: `${SPEC_ID}#/$defs/${name}` });
  }

  /** The operation the spec defines for a method and a path below the API base (`/batches/abc`). */
  operation(method: string, path: string): Operation | undefined {
    return this.operations.find((op) => op.method === method && op.pattern.test(path));
  }

  /**
   * Checks one response: its body against the schema the spec gives for (method, path, status),
   * or against ErrorResponse for an error status the operation does not list. Returns the
   * violations (empty when it conforms); an operation or status the spec lacks is a violation too.
   */
  check(method: string, path: string, status: number, body: unknown): Violation[] {
    const what = `${method} ${path} -> ${status}`;
    const op = this.operation(method, path);
    if (!op) return [{ what: `${what}: no such operation in the spec`, errors: [] }];
    let validate: ValidateFunction;
    const declared = op.responses.get(String(status));
    if (declared !== undefined) validate = this.compile(rebase(declared));
    else if (status >= 400) validate = this.component('ErrorResponse');
    else return [{ what: `${what}: status not in the spec`, errors: [] }];
    return validate(body) ? [] : [{ what: `${what} (${op.template})`, errors: validate.errors ?? [] }];
  }

  private compile(schema: unknown): ValidateFunction {
    const key = JSON.stringify(schema);
    let fn = this.compiled.get(key);
    if (!fn) this.compiled.set(key, (fn = this.ajv.compile(schema as Json)));
    return fn;
  }
}

/** A schema lifted out of `paths` refers to components relative to the compiled document. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json))
    out[key] =
      key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${SPEC_ID}${value}` : rebase(value);
  return out;
}

/** One HTTP exchange as the SDK saw it. */
export interface Exchange {
  method: string;
  /** The path below the API base (`/v1` stripped): what the spec's `paths` are keyed by. */
  path: string;
  status: number;
  contentType: string;
  text: string;
}

/**
 * A `fetch` for the SDK's `fetch` option that records every exchange (reading a copy of each
 * response body) and otherwise behaves like the real one.
 */
export function recordingFetch(log: Exchange[], base = '/v1'): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(typeof input === 'string' || input instanceof URL ? String(input) : input.url);
    // The SDK also fetches `data:` URLs of its own (reading upload bodies): only HTTP is an exchange.
    if (!url.protocol.startsWith('http')) return response;
    const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) : url.pathname;
    log.push({
      method: (init?.method ?? 'GET').toUpperCase(),
      path,
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text: await response.clone().text(),
    });
    return response;
  };
}
