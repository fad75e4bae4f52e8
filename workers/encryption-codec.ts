// The payload codec that encrypts every payload with AES-256-GCM (Temporal's `encryption` sample,
// with key rotation): a fresh 12-byte IV per payload, the key's id in the metadata so any process
// that holds that key can decrypt, and the id bound in as associated data so a payload cannot be
// relabelled to another key. Runs in clients and workers outside the workflow sandbox (node:crypto).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecKeys } from './codec-keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {}

  // eslint-disable-next-line @typescript-eslint/require-await
  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keys.encryptWith;
    const key = this.keys.keys.get(keyId);
    if (!key) throw new ValueError(`no encryption key "${keyId}"`);
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(utf8(keyId));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(keyId) },
        data: sealed,
      };
    });
  }

  // async: a payload that does not decrypt rejects, as the SDK expects of a codec.
  // eslint-disable-next-line @typescript-eslint/require-await
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  /** Payloads that are not ours (written before encryption was turned on) pass through as they are. */
  private decodeOne(payload: Payload): Payload {
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!keyId) throw new ValueError('encrypted payload without an encryption-key-id');
    const key = this.keys.keys.get(keyId);
    if (!key) {
      throw new ValueError(
        `payload encrypted with key "${keyId}", which this process does not have (it has ${[...this.keys.keys.keys()].join(', ')}): add it to LLMBATCH_ENCRYPTION_KEY`,
      );
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError(`encrypted payload (key "${keyId}") is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(utf8(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new ValueError(
        `payload encrypted with key "${keyId}" does not decrypt: it was altered, or key "${keyId}" is not the key it was written with`,
      );
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
