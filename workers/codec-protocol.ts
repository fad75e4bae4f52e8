// The codec server's wire format (Temporal's codec-server protocol): `{"payloads": [...]}`, each
// payload as protobuf JSON, i.e. metadata values and data in base64.
import type { Payload } from '@temporalio/common';

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

export class ProtocolError extends Error {}

const bytes = (base64: unknown, where: string): Uint8Array => {
  if (typeof base64 !== 'string') throw new ProtocolError(`${where}: expected base64 text`);
  return Buffer.from(base64, 'base64');
};

/** The payloads of a request body; a ProtocolError says what is wrong with it. */
export function payloadsFromJson(body: Buffer): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProtocolError('the body is not JSON');
  }
  const payloads = (parsed as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new ProtocolError('expected {"payloads": [...]}');
  return payloads.map((raw: JsonPayload, i) => ({
    metadata: Object.fromEntries(
      Object.entries(raw?.metadata ?? {}).map(([k, v]) => [k, bytes(v, `payloads[${i}].metadata.${k}`)]),
    ),
    data: raw?.data == null ? undefined : bytes(raw.data, `payloads[${i}].data`),
  }));
}

export function payloadsToJson(payloads: Payload[]): string {
  const base64 = (value: Uint8Array) => Buffer.from(value).toString('base64');
  return JSON.stringify({
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, base64(v)])),
      ...(p.data ? { data: base64(p.data) } : {}),
    })),
  });
}
