// Where the keys come from: LLMBATCH_ENCRYPTION_KEY (one key, or id:key pairs) or a JSON / YAML key
// file; a bad key is one line naming the variable and the key id, never the key itself.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../common/config';
import { loadCodecKeys } from '../../workers/codec-keys';
import { newKey } from '../support/codec-keys';

function problems(env: Record<string, string>): string[] {
  try {
    loadCodecKeys(loadConfig(env).encryption);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('encryption keys', () => {
  const k1 = newKey();
  const k2 = newKey();

  test('off unless a key is set', () => {
    expect(loadConfig({}).encryption).toBeUndefined();
    expect(loadCodecKeys(loadConfig({}).encryption)).toBeUndefined();
  });

  test('one bare key has the id "default"; a list encrypts with its first or the named one', () => {
    const single = loadCodecKeys(loadConfig({ LLMBATCH_ENCRYPTION_KEY: k1 }).encryption);
    expect(single?.encryptWith).toBe('default');
    expect(single?.keys.get('default')?.equals(Buffer.from(k1, 'base64'))).toBe(true);
    const list = loadCodecKeys(loadConfig({ LLMBATCH_ENCRYPTION_KEY: `new:${k2}, old:${k1}` }).encryption);
    expect(list?.encryptWith).toBe('new');
    expect([...(list?.keys.keys() ?? [])]).toEqual(['new', 'old']);
    const named = loadCodecKeys(
      loadConfig({ LLMBATCH_ENCRYPTION_KEY: `new:${k2},old:${k1}`, LLMBATCH_ENCRYPTION_KEY_ID: 'old' }).encryption,
    );
    expect(named?.encryptWith).toBe('old');
  });

  test('bad keys: one line each, naming the key id and never quoting the key', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    const found = problems({ LLMBATCH_ENCRYPTION_KEY: `a:${short},b:not base64!,a:${k1}` });
    expect(found).toEqual([
      'LLMBATCH_ENCRYPTION_KEY: key "a" is 16 bytes, expected 32 (AES-256; make one with `openssl rand -base64 32`)',
      'LLMBATCH_ENCRYPTION_KEY: key "b" is not base64',
      'LLMBATCH_ENCRYPTION_KEY: key id "a" appears twice',
    ]);
    expect(found.join('\n')).not.toContain(short);
    expect(problems({ LLMBATCH_ENCRYPTION_KEY: `${k1},${k2}` })).toEqual([
      'LLMBATCH_ENCRYPTION_KEY: with several keys, give each as id:key',
    ]);
    expect(problems({ LLMBATCH_ENCRYPTION_KEY: `k1:${k1}`, LLMBATCH_ENCRYPTION_KEY_ID: 'k9' })).toEqual([
      'LLMBATCH_ENCRYPTION_KEY_ID: no key "k9" in LLMBATCH_ENCRYPTION_KEY (ids: k1)',
    ]);
    expect(problems({ LLMBATCH_ENCRYPTION_KEY: k1, LLMBATCH_ENCRYPTION_KEY_FILE: '/keys.json' })).toEqual([
      'LLMBATCH_ENCRYPTION_KEY_FILE: set LLMBATCH_ENCRYPTION_KEY or LLMBATCH_ENCRYPTION_KEY_FILE, not both',
    ]);
  });

  test('a key file, JSON or YAML, with the encrypting key named in it or by LLMBATCH_ENCRYPTION_KEY_ID', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmbatch-keys-'));
    const json = join(dir, 'keys.json');
    writeFileSync(json, JSON.stringify({ keys: { k2, k1 }, encryptWith: 'k1' }));
    expect(loadCodecKeys(loadConfig({ LLMBATCH_ENCRYPTION_KEY_FILE: json }).encryption)?.encryptWith).toBe('k1');
    const yaml = join(dir, 'keys.yaml');
    writeFileSync(yaml, `keys:\n  k2: ${k2}\n  k1: ${k1}\n`);
    const keys = loadCodecKeys(loadConfig({ LLMBATCH_ENCRYPTION_KEY_FILE: yaml }).encryption);
    expect(keys?.encryptWith).toBe('k2');
    expect(keys?.keys.get('k1')?.equals(Buffer.from(k1, 'base64'))).toBe(true);
    expect(
      loadCodecKeys(loadConfig({ LLMBATCH_ENCRYPTION_KEY_FILE: yaml, LLMBATCH_ENCRYPTION_KEY_ID: 'k1' }).encryption)
        ?.encryptWith,
    ).toBe('k1');

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `keys:\n  k1: ${k1.slice(4)}\n`);
    expect(problems({ LLMBATCH_ENCRYPTION_KEY_FILE: bad })).toEqual([
      'LLMBATCH_ENCRYPTION_KEY_FILE: key "k1" is 29 bytes, expected 32 (AES-256; make one with `openssl rand -base64 32`)',
    ]);
    writeFileSync(bad, 'k1: nothing under keys\n');
    expect(problems({ LLMBATCH_ENCRYPTION_KEY_FILE: bad })).toEqual([
      `LLMBATCH_ENCRYPTION_KEY_FILE: ${bad} has no "keys" map of id: base64 key`,
    ]);
    expect(problems({ LLMBATCH_ENCRYPTION_KEY_FILE: join(dir, 'none.json') })).toEqual([
      `LLMBATCH_ENCRYPTION_KEY_FILE: cannot read ${join(dir, 'none.json')}: ENOENT`,
    ]);
    expect(problems({ LLMBATCH_ENCRYPTION_KEY_FILE: json, LLMBATCH_ENCRYPTION_KEY_ID: 'k9' })).toEqual([
      'LLMBATCH_ENCRYPTION_KEY_ID: no key "k9" in LLMBATCH_ENCRYPTION_KEY_FILE (ids: k2, k1)',
    ]);
  });

  test('codec server origins are origins', () => {
    expect(loadConfig({}).codecServer.uiOrigins).toEqual(['http://localhost:8233', 'http://127.0.0.1:8233']);
    expect(() => loadConfig({ LLMBATCH_CODEC_UI_ORIGIN: 'http://localhost:8080/' })).toThrow(
      'LLMBATCH_CODEC_UI_ORIGIN: expected origins such as http://localhost:8233 (scheme, host, port; no path), got "http://localhost:8080/"',
    );
  });
});
