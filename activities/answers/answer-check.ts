// What checking an answer says (output-check.ts for chat answers, embedding-check.ts for vectors).
import type { FailureKind } from '../../common';

export type OutputCheck = { ok: true; parsed?: unknown } | { ok: false; kind: FailureKind; error: string };
