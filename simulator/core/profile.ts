// The simulator's fault profile (INTERFACE.md, "Simulator"). Every field is optional and the
// defaults describe a fault-free, fast provider, so `{}` is a valid profile and tests only
// spell out the knobs they turn. Objects are strict: a misspelt knob (`failrate`) must be an
// error, not a silently fault-free run that makes a resilience test pass for the wrong reason.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const rate = z.number().min(0).max(1);
const ms = z.number().int().nonnegative();

const OUTAGE_PROVIDERS = ['openai', 'azure', 'anthropic', 'gemini', 'bedrock'] as const;

const outageSchema = z.strictObject({
  afterMs: ms,
  forMs: ms,
  /** The path family the outage hits (absent: all of them). */
  provider: z.enum(OUTAGE_PROVIDERS).optional(),
  /** The HTTP status every call gets meanwhile, 400-599 (absent: 503, or 529 on Anthropic's paths). */
  status: z.number().int().min(400).max(599).optional(),
});

export type Outage = z.output<typeof outageSchema>;

const webhooksSchema = z.strictObject({
  url: z.string().regex(/^https?:\/\/[^\s/]+\S*$/, { message: 'expected an http(s) URL' }),
  /** As OpenAI hands them out: `whsec_` and the base64 of the key's bytes. */
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, { message: 'expected whsec_ followed by base64' }),
  attempts: z.number().int().min(1).max(20).default(5),
  retryMs: ms.default(250),
});

export type WebhookSettings = z.output<typeof webhooksSchema>;

export const profileSchema = z.strictObject({
  /** Seeds every fault draw: the same seed and the same order of calls give the same faults. */
  seed: z.number().int().default(7),
  batch: z
    .strictObject({
      validatingMs: ms.default(50),
      completionMs: ms.default(500),
      failRate: rate.default(0),
      expireRate: rate.default(0),
      /**
       * Share of batch creates (OpenAI, Azure and Anthropic) refused outright with a 400
       * invalid_request_error: nothing is created or billed. Drawn from the seeded batch stream.
       */
      rejectRate: rate.default(0),
      /**
       * Share of OpenAI and Azure batches that never leave `validating` until they are cancelled,
       * as Gemini users report batches stuck in PENDING for over a day. Drawn from the seeded batch
       * stream. Anthropic's batches have no state before `in_progress`, so none stall there.
       */
      stallRate: rate.default(0),
    })
    .prefault({}),
  items: z
    .strictObject({
      retryableErrorRate: rate.default(0),
      /**
       * Share of items refused with a 400 invalid request. Decided by a hash of (seed, the item's
       * custom id or key; a sync call's body) so the same item fails so on every attempt, as at
       * the real services; see permanentErrorsRedrawn.
       */
      permanentErrorRate: rate.default(0),
      corruptRate: rate.default(0),
      /** true: draw permanent errors afresh on every attempt (the old behaviour, for chaos tests). */
      permanentErrorsRedrawn: z.boolean().default(false),
    })
    .prefault({}),
  http: z
    .strictObject({
      errorRate: rate.default(0),
      lostResponseRate: rate.default(0),
      latencyMs: ms.default(0),
    })
    .prefault({}),
  sync: z
    .strictObject({
      latencyMs: ms.default(100),
      /** 0 = unlimited. */
      rpm: z.number().int().nonnegative().default(0),
      /** 0 = unlimited. */
      tpm: z.number().int().nonnegative().default(0),
      /** The window rpm and tpm are counted over: a minute, as the providers do; tests shrink it. */
      windowMs: z.number().int().positive().default(60_000),
    })
    .prefault({}),
  /**
   * Anthropic's prompt cache (simulator/anthropic/prompt-cache.ts): how long a cached prefix lives
   * after its last use (Anthropic: 5 minutes); tests shrink it to see entries expire.
   */
  promptCache: z
    .strictObject({
      ttlMs: z.number().int().positive().default(300_000),
    })
    .prefault({}),
  /**
   * Windows, relative to the simulator's epoch (start, reset or profile change), when every call
   * fails. Without `status` that is a 503 (Anthropic: 529 overloaded); 401 is a rejected key, 403
   * a permission error, 429 a rate limit with retry-after, any other status a generic error. A
   * `provider` confines the outage to that path family; the admin API is never affected. Where
   * windows overlap, the first one listed wins.
   */
  outages: z.array(outageSchema).default([]),
  /**
   * OpenAI-style batch webhooks: when an OpenAI-path batch ends, `batch.completed`, `batch.failed`,
   * `batch.expired` or `batch.cancelled` is POSTed to `url`, signed the Standard Webhooks way with
   * `secret` (simulator/openai/webhooks.ts). A non-2xx answer or a refused connection is retried
   * `attempts` times in all, `retryMs` doubling between them. Absent: no webhooks (clients poll).
   */
  webhooks: webhooksSchema.optional(),
});

export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;

export class ProfileError extends Error {
  override name = 'ProfileError';
}

/** Fills every default; throws a ProfileError listing each problem by path. */
export function parseProfile(obj: unknown): Profile {
  // A Promise has no own keys and would pass as `{}`: a fault-free profile nobody asked for.
  if (obj instanceof Promise || (obj !== null && typeof obj === 'object' && 'then' in obj))
    throw new ProfileError('invalid simulator profile: got a Promise; pass the loaded profile, not the pending load');
  const result = profileSchema.safeParse(obj ?? {});
  if (!result.success) throw new ProfileError(`invalid simulator profile:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/**
 * YAML is a superset of JSON, so one parser reads both kinds of profile file. Synchronous on
 * purpose: it runs once at start-up, and callers can pass its result straight to startSimulator.
 */
export function loadProfileFile(path: string): Profile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProfileError(`cannot read simulator profile ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ProfileError(`cannot parse simulator profile ${path}: ${(err as Error).message}`);
  }
  return parseProfile(raw);
}
