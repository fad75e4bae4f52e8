// The payload codec: AES-256-GCM with the key id in the metadata; every configured key decrypts,
// one encrypts, so keys rotate without losing what was written under the old one.
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../workers/encryption-codec';
import { codecKeys, newKey } from '../support/codec-keys';

const PROMPT = 'You classify support tickets. PROMPT-MARKER-5521';
const utf8 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const plain = (): Payload => defaultPayloadConverter.toPayload({ template: { system: PROMPT } });

describe('EncryptionCodec', () => {
  const k1 = newKey();
  const k2 = newKey();

  test('round trip: the payload comes back whole, and nothing of it shows while encrypted', async () => {
    const codec = new EncryptionCodec(codecKeys({ k1 }));
    const [sealed] = await codec.encode([plain()]);
    expect(utf8(sealed.metadata?.[METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(utf8(sealed.metadata?.[KEY_ID_METADATA])).toBe('k1');
    expect(Object.keys(sealed.metadata ?? {}).sort()).toEqual([KEY_ID_METADATA, METADATA_ENCODING_KEY].sort());
    expect(utf8(sealed.data)).not.toContain('PROMPT-MARKER');
    expect(utf8(sealed.data)).not.toContain('json/plain');
    const [opened] = await codec.decode([sealed]);
    expect(defaultPayloadConverter.fromPayload(opened)).toEqual({ template: { system: PROMPT } });
    expect(utf8(opened.metadata?.[METADATA_ENCODING_KEY])).toBe('json/plain');
  });

  test('a fresh IV each time: the same payload never encrypts to the same bytes', async () => {
    const codec = new EncryptionCodec(codecKeys({ k1 }));
    const [a, b] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(a.data ?? []).equals(Buffer.from(b.data ?? []))).toBe(false);
    expect(
      Buffer.from(a.data ?? [])
        .subarray(0, 12)
        .equals(Buffer.from(b.data ?? []).subarray(0, 12)),
    ).toBe(false);
  });

  test('rotation: the new key encrypts, the old one still decrypts', async () => {
    const before = new EncryptionCodec(codecKeys({ k1 }));
    const after = new EncryptionCodec(codecKeys({ k2, k1 }));
    const [old] = await before.encode([plain()]);
    const [fresh] = await after.encode([plain()]);
    expect(utf8(fresh.metadata?.[KEY_ID_METADATA])).toBe('k2');
    expect(defaultPayloadConverter.fromPayload((await after.decode([old]))[0])).toEqual({
      template: { system: PROMPT },
    });
    expect(defaultPayloadConverter.fromPayload((await after.decode([fresh]))[0])).toEqual({
      template: { system: PROMPT },
    });
    // A process that was not given the new key says which key it lacks.
    await expect(before.decode([fresh])).rejects.toThrow(
      'payload encrypted with key "k2", which this process does not have (it has k1): add it to LLMBATCH_ENCRYPTION_KEY',
    );
  });

  test('a named key encrypts, whatever its place', async () => {
    const [sealed] = await new EncryptionCodec(codecKeys({ k1, k2 }, 'k2')).encode([plain()]);
    expect(utf8(sealed.metadata?.[KEY_ID_METADATA])).toBe('k2');
  });

  test('altered ciphertext, a relabelled key id, or another key under the same id: refused', async () => {
    const codec = new EncryptionCodec(codecKeys({ k1, k2 }));
    const [sealed] = await codec.encode([plain()]);
    const data = Buffer.from(sealed.data ?? []);
    data[20] ^= 1;
    await expect(codec.decode([{ ...sealed, data }])).rejects.toThrow(
      'payload encrypted with key "k1" does not decrypt: it was altered, or key "k1" is not the key it was written with',
    );
    const relabelled = { ...sealed, metadata: { ...sealed.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
    await expect(codec.decode([relabelled])).rejects.toThrow('payload encrypted with key "k2" does not decrypt');
    await expect(new EncryptionCodec(codecKeys({ k1: k2 })).decode([sealed])).rejects.toThrow('does not decrypt');
    await expect(codec.decode([{ ...sealed, data: data.subarray(0, 10) }])).rejects.toThrow('is truncated');
  });

  test('payloads written before encryption was on pass through', async () => {
    const codec = new EncryptionCodec(codecKeys({ k1 }));
    const [same] = await codec.decode([plain()]);
    expect(defaultPayloadConverter.fromPayload(same)).toEqual({ template: { system: PROMPT } });
  });
});
