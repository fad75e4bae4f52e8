// Canonical request identity. The ledger's doubleBilled counter and the fake model's answers are
// keyed on "the same request", which must not depend on key order in the JSON a client sent.
//
// requestHash is on the hot path (once per batch line), so it does not build a canonical string
// and feed it to sha256: it walks the parsed value once and folds it into two independent 32-bit
// lanes (64 bits). Object entries are combined with a commutative sum, so key order cannot matter
// and no key list needs sorting. This is an identity for non-adversarial traffic, not a digest:
// at 64 bits a collision among even ten million distinct bodies is a one-in-100,000 event.

// Bound once: under jest the global Math belongs to another realm, and looking up Math.imul on it
// every call costs a hundred times the multiplication (it can no longer be inlined).
const imul = Math.imul;

/** JSON with object keys sorted at every depth; arrays keep their order (it is meaningful). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    if (obj[key] === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(obj[key])}`);
  }
  return `{${parts.join(',')}}`;
}

// Per-kind seeds, so `"1"`, `1`, `[1]` and `{"1": …}` never fold to the same lanes.
const SEED_STRING: readonly [number, number] = [0x811c9dc5, 0x3c6ef372];
const SEED_KEY: readonly [number, number] = [0x9e3779b9, 0x6a09e667];
const SEED_NUMBER: readonly [number, number] = [0x85ebca6b, 0xbb67ae85];
const TAG_NULL = 0x27d4eb2f;
const TAG_TRUE = 0x165667b1;
const TAG_FALSE = 0xd3a2646c;
const TAG_ARRAY = 0xfd7046c5;
const TAG_OBJECT = 0xb55a4f09;

/** The second lane of the last hash computed: a module-level out-parameter, to allocate nothing per value. */
let laneB = 0;

/** murmur3's finalizer: every input bit affects every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over UTF-16 code units in two lanes with different primes; returns lane A, sets laneB. */
function hashText(s: string, seed: readonly [number, number]): number {
  let a = seed[0];
  let b = seed[1];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = imul(a ^ c, 0x01000193);
    b = imul(b ^ c, 0x5bd1e995);
  }
  laneB = fmix(b ^ s.length);
  return fmix(a ^ s.length);
}

function hashValue(value: unknown): number {
  if (typeof value === 'string') return hashText(value, SEED_STRING);
  if (typeof value === 'number') {
    if ((value | 0) === value) {
      laneB = fmix(value ^ SEED_NUMBER[1]);
      return fmix(imul(value, 0x9e3779b1) ^ SEED_NUMBER[0]);
    }
    return hashText(String(value), SEED_NUMBER);
  }
  if (typeof value === 'boolean') {
    laneB = value ? TAG_FALSE : TAG_TRUE;
    return value ? TAG_TRUE : TAG_FALSE;
  }
  if (value === null || typeof value !== 'object') {
    // null, and what JSON cannot carry (undefined, functions) in a position where it is not skipped.
    laneB = TAG_OBJECT;
    return TAG_NULL;
  }
  if (Array.isArray(value)) {
    let a = TAG_ARRAY;
    let b = TAG_OBJECT;
    for (let i = 0; i < value.length; i++) {
      const ea = hashValue(value[i]);
      a = fmix(imul(a, 31) ^ ea);
      b = fmix(imul(b, 37) ^ laneB);
    }
    laneB = fmix(b ^ value.length);
    return fmix(a ^ value.length);
  }
  // Entries are summed: the order the client wrote the keys in cannot change the result.
  let a = 0;
  let b = 0;
  let count = 0;
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    const v = obj[key];
    if (v === undefined) continue;
    const ka = hashText(key, SEED_KEY);
    const kb = laneB;
    const va = hashValue(v);
    a = (a + fmix(ka ^ imul(va, 0x2f8d3b1f))) | 0;
    b = (b + fmix(kb ^ imul(laneB, 0x68e31da4))) | 0;
    count += 1;
  }
  laneB = fmix(b ^ TAG_ARRAY ^ count);
  return fmix(a ^ TAG_OBJECT ^ count);
}

/**
 * The body's identity (model included: the body carries it), whatever its key order: an opaque
 * 4-character key (64 bits as UTF-16 code units), cheap to build and to keep in a Set.
 */
export function requestHash(body: unknown): string {
  const a = hashValue(body);
  const b = laneB;
  return String.fromCharCode(a >>> 16, a & 0xffff, b >>> 16, b & 0xffff);
}

/** A 32-bit seed from a requestHash key, for answers that must be a pure function of the request. */
export function hashSeed(hash: string): number {
  return ((hash.charCodeAt(0) << 16) | hash.charCodeAt(1)) >>> 0;
}
