// Values that satisfy (or deliberately break) a JSON Schema, for the fake model's structured
// outputs. It covers the subset that OpenAI structured outputs and typical run specs use: types
// (with nullable unions), object/required/properties, enum, const, string and number bounds,
// arrays, anyOf/oneOf/allOf and local $refs. Everything is drawn from the caller's Rng so the
// same request always gets the same answer.
import { canonicalJson } from './canonical';
import { Rng } from './random';

type Schema = Record<string, unknown>;
type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'array' | 'object';

/** Past this depth recursive schemas stop growing: nullable branches become null, optional parts are left out. */
/** Where normalize() records every type an anyOf/oneOf allows, for violate() to step outside all of them. */
const UNION_TYPES = '\u0000unionTypes';
const SHALLOW_DEPTH = 6;
const MAX_DEPTH = 24;

const WORDS = [
  'alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima',
  'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor', 'whiskey', 'yankee',
]; // prettier-ignore

/** Marker for "this schema accepts everything, there is nothing to break". */
export const UNBREAKABLE: unique symbol = Symbol('unbreakable');

export function sampleSchema(schema: unknown, rng: Rng): unknown {
  return new Sampler(asSchema(schema), rng).sample(schema, 0);
}

/**
 * A JSON value that parses but does NOT satisfy the schema (the "silent corruption" fault):
 * drop a required property, put a wrong-typed value in a property, or answer with a wrong type.
 */
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- names the sentinel callers must check for
export function violateSchema(schema: unknown, rng: Rng): unknown | typeof UNBREAKABLE {
  return new Sampler(asSchema(schema), rng).violate(schema, 0);
}

function asSchema(value: unknown): Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Schema) : {};
}

class Sampler {
  constructor(
    private readonly root: Schema,
    private readonly rng: Rng,
  ) {}

  sample(input: unknown, depth: number): unknown {
    // false is unsatisfiable, and past MAX_DEPTH a schema with no way out cannot end: give up.
    if (input === false || depth > MAX_DEPTH) return null;
    const s = this.normalize(input, depth);
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum) && s.enum.length > 0) return this.rng.pick(s.enum);
    const type = this.chooseType(s, depth);
    switch (type) {
      case 'null':
        return null;
      case 'boolean':
        return this.rng.next() < 0.5;
      case 'integer':
      case 'number':
        return this.sampleNumber(s, type === 'integer');
      case 'string':
        return this.sampleString(s);
      case 'array':
        return this.sampleArray(s, depth);
      case 'object':
        return this.sampleObject(s, depth);
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- names the sentinel callers must check for
  violate(input: unknown, depth: number): unknown | typeof UNBREAKABLE {
    if (depth > MAX_DEPTH) return UNBREAKABLE;
    const s = this.normalize(input, depth);
    if ('const' in s) return typeof s.const === 'string' ? 0 : '__corrupt__';
    if (Array.isArray(s.enum)) {
      const taken = new Set(s.enum.map(canonicalJson));
      const candidate = ['__corrupt__', 0.5, null, true, [], {}].find((c) => !taken.has(canonicalJson(c)));
      return candidate === undefined ? UNBREAKABLE : candidate;
    }
    const types = (s[UNION_TYPES] as JsonType[] | undefined) ?? this.typesOf(s);
    if (types?.includes('object')) {
      const base = this.sampleObject(s, depth);
      const required = stringList(s.required);
      if (required.length > 0) {
        delete base[required[0]];
        return base;
      }
      for (const [key, propSchema] of Object.entries(asSchema(s.properties))) {
        const bad = this.violate(propSchema, depth + 1);
        if (bad !== UNBREAKABLE) {
          base[key] = bad;
          return base;
        }
      }
    }
    if (!types) return UNBREAKABLE;
    const wrong = ['corrupt', 0.5, true, null, [], {}].find((c) => !typeAllowed(jsonTypeOf(c), types));
    return wrong === undefined ? UNBREAKABLE : wrong;
  }

  /** Resolves $ref chains and folds allOf, anyOf/oneOf (first branch) into one flat schema. */
  private normalize(input: unknown, depth: number, hops = 0): Schema {
    let s = asSchema(input);
    if (hops > 32) return s;
    if (typeof s.$ref === 'string') {
      const { $ref, ...siblings } = s;
      s = { ...this.normalize(this.resolveRef($ref), depth, hops + 1), ...siblings };
    }
    if (Array.isArray(s.allOf)) {
      const { allOf, ...rest } = s;
      s = (allOf as unknown[]).reduce<Schema>(
        (acc, part) => mergeSchemas(acc, this.normalize(part, depth, hops + 1)),
        rest,
      );
    }
    const branches = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
    if (branches && branches.length > 0 && !('type' in s)) {
      const { anyOf: _a, oneOf: _o, ...rest } = s;
      // Keep the union of the branches' types so violate() can step outside all of them.
      const normalized = branches.map((b) => this.normalize(b, depth, hops + 1));
      const unionTypes = normalized.map((b) => this.typesOf(b));
      // "Pick the first", skipping a bare null branch so `anyOf: [null, X]` still yields an X,
      // except deep in a recursive schema, where the null branch is how the recursion ends.
      const isNull = (i: number) => unionTypes[i]?.join() === 'null';
      const deep = depth >= SHALLOW_DEPTH;
      const pickedAt = normalized.findIndex((_, i) => (deep ? isNull(i) : !isNull(i)));
      const first = normalized[pickedAt >= 0 ? pickedAt : 0];
      s = mergeSchemas(rest, first);
      if (unionTypes.every((t) => t !== undefined)) s[UNION_TYPES] = [...new Set(unionTypes.flat())];
    }
    return s;
  }

  private resolveRef(ref: string): unknown {
    if (!ref.startsWith('#')) return {}; // remote refs are out of scope for a local fake
    let node: unknown = this.root;
    for (const raw of ref.slice(1).split('/').filter(Boolean)) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
    return node ?? {};
  }

  private typesOf(s: Schema): JsonType[] | undefined {
    if (typeof s.type === 'string') return [s.type as JsonType];
    if (Array.isArray(s.type)) return s.type as JsonType[];
    if ('properties' in s || 'required' in s || 'additionalProperties' in s) return ['object'];
    if ('items' in s || 'prefixItems' in s || 'minItems' in s || 'maxItems' in s) return ['array'];
    if ('minLength' in s || 'maxLength' in s || 'pattern' in s || 'format' in s) return ['string'];
    if ('minimum' in s || 'maximum' in s || 'multipleOf' in s) return ['number'];
    return undefined;
  }

  private chooseType(s: Schema, depth: number): JsonType {
    const types = this.typesOf(s) ?? ['string'];
    const nonNull = types.filter((t) => t !== 'null');
    if (nonNull.length === 0) return 'null';
    // Deep inside a recursive schema, a nullable branch ends the recursion.
    if (depth >= SHALLOW_DEPTH && types.includes('null')) return 'null';
    return nonNull[0];
  }

  private sampleObject(s: Schema, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const properties = asSchema(s.properties);
    const required = stringList(s.required);
    const keys = depth < SHALLOW_DEPTH ? [...new Set([...Object.keys(properties), ...required])] : required;
    for (const key of keys) {
      const propSchema = key in properties ? properties[key] : (s.additionalProperties ?? {});
      out[key] = this.sample(propSchema === true ? {} : propSchema, depth + 1);
    }
    return out;
  }

  private sampleArray(s: Schema, depth: number): unknown[] {
    const tuple = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : [];
    const itemSchema = Array.isArray(s.items) ? (s.additionalItems ?? {}) : (s.items ?? {});
    const min = Math.max(num(s.minItems) ?? 0, depth < SHALLOW_DEPTH ? tuple.length : 0);
    const max = num(s.maxItems) ?? Math.max(min, 3);
    const count = depth < SHALLOW_DEPTH ? this.rng.int(Math.min(Math.max(min, 1), max), Math.min(max, min + 3)) : min;
    const out: unknown[] = [];
    const seen = new Set<string>();
    // uniqueItems: re-draw duplicates a bounded number of times (an enum may simply run out).
    for (let attempt = 0; out.length < count && attempt < count * 10; attempt++) {
      const i = out.length;
      const value = this.sample(i < tuple.length ? tuple[i] : itemSchema, depth + 1);
      if (s.uniqueItems === true) {
        const key = canonicalJson(value);
        if (seen.has(key)) continue;
        seen.add(key);
      }
      out.push(value);
    }
    return out;
  }

  private sampleNumber(s: Schema, integer: boolean): number {
    let lo = num(s.minimum) ?? -Infinity;
    let hi = num(s.maximum) ?? Infinity;
    const step = integer ? 1 : 0.01;
    // Draft 6+ exclusive bounds are numbers; draft 4 used booleans next to minimum/maximum.
    if (typeof s.exclusiveMinimum === 'number') lo = Math.max(lo, s.exclusiveMinimum + step);
    else if (s.exclusiveMinimum === true) lo += step;
    if (typeof s.exclusiveMaximum === 'number') hi = Math.min(hi, s.exclusiveMaximum - step);
    else if (s.exclusiveMaximum === true) hi -= step;
    if (lo === -Infinity) lo = hi === Infinity ? 0 : hi - 100;
    if (hi === Infinity) hi = lo + 100;
    const multipleOf = num(s.multipleOf);
    if (multipleOf && multipleOf > 0) {
      const k = this.rng.int(Math.ceil(lo / multipleOf), Math.floor(hi / multipleOf));
      return integer || Number.isInteger(multipleOf) ? k * multipleOf : Number((k * multipleOf).toPrecision(12));
    }
    if (integer) return this.rng.int(Math.ceil(lo), Math.floor(hi));
    const value = Math.round((lo + this.rng.next() * (hi - lo)) * 100) / 100;
    return Math.min(hi, Math.max(lo, value));
  }

  private sampleString(s: Schema): string {
    const byFormat = this.sampleFormat(typeof s.format === 'string' ? s.format : '');
    if (byFormat !== undefined) return byFormat;
    const min = num(s.minLength) ?? 0;
    const max = num(s.maxLength) ?? Math.max(min, 24);
    const length = this.rng.int(Math.min(Math.max(min, 5), max), Math.min(max, Math.max(min, 24)));
    const text = this.words(length);
    if (typeof s.pattern === 'string') return this.matchPattern(s.pattern, text, min, max);
    return text;
  }

  private words(length: number): string {
    let text = '';
    while (text.length < length) text += (text ? ' ' : '') + this.rng.pick(WORDS);
    return text.slice(0, length).trimEnd().padEnd(length, 'x');
  }

  /** Patterns are not generally invertible; try a few plausible shapes and keep the first that matches. */
  private matchPattern(pattern: string, fallback: string, min: number, max: number): string {
    let re: RegExp;
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      return fallback;
    }
    const len = Math.min(Math.max(min, 6), max);
    const digits = String(this.rng.int(0, 1e9)).padStart(len, '0').slice(0, len);
    const candidates = [fallback, fallback.replace(/ /g, '_'), digits, 'a'.repeat(len), 'A'.repeat(len), ''];
    return candidates.find((c) => re.test(c)) ?? fallback;
  }

  private sampleFormat(format: string): string | undefined {
    const day = String(this.rng.int(1, 28)).padStart(2, '0');
    switch (format) {
      case 'date-time':
        return `2025-01-${day}T12:00:00Z`;
      case 'date':
        return `2025-01-${day}`;
      case 'time':
        return '12:00:00Z';
      case 'email':
        return `${this.rng.pick(WORDS)}@example.com`;
      case 'uri':
      case 'url':
        return `https://example.com/${this.rng.pick(WORDS)}`;
      case 'hostname':
        return `${this.rng.pick(WORDS)}.example.com`;
      case 'ipv4':
        return `10.0.0.${this.rng.int(1, 254)}`;
      case 'uuid': {
        const hex = Array.from({ length: 32 }, () => this.rng.int(0, 15).toString(16)).join('');
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
      }
      default:
        return undefined;
    }
  }
}

function mergeSchemas(a: Schema, b: Schema): Schema {
  const merged: Schema = { ...a, ...b };
  if (a.properties || b.properties) merged.properties = { ...asSchema(a.properties), ...asSchema(b.properties) };
  if (a.required || b.required) merged.required = [...new Set([...stringList(a.required), ...stringList(b.required)])];
  return merged;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

function typeAllowed(type: JsonType, allowed: JsonType[]): boolean {
  return allowed.includes(type) || (type === 'integer' && allowed.includes('number'));
}
