// The encryption keys of this process, from LLMBATCH_ENCRYPTION_KEY (validated in common/config.ts)
// or from LLMBATCH_ENCRYPTION_KEY_FILE (read and validated here). One key encrypts; every key
// decrypts, so a new key can be rolled out while payloads written under the old one stay readable.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError, keyProblem, type ConfiguredKey, type EncryptionSettings } from '../common/config';

export interface CodecKeys {
  /** The id new payloads are encrypted under. */
  encryptWith: string;
  /** Every key by id, the encrypting one included. */
  keys: ReadonlyMap<string, Buffer>;
}

const FILE = 'LLMBATCH_ENCRYPTION_KEY_FILE';

/** The keys of a key file: `{ keys: { id: base64 }, encryptWith? }`; JSON is YAML, so one parser reads both. */
function readKeyFile(path: string): { keys: ConfiguredKey[]; encryptWith?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`${FILE}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    // The parser's message may quote the file, keys included.
    throw new ConfigError([`${FILE}: ${path} is neither JSON nor YAML`]);
  }
  const { keys, encryptWith } = (doc ?? {}) as { keys?: unknown; encryptWith?: unknown };
  if (!keys || typeof keys !== 'object' || Array.isArray(keys) || Object.keys(keys).length === 0) {
    throw new ConfigError([`${FILE}: ${path} has no "keys" map of id: base64 key`]);
  }
  if (encryptWith !== undefined && typeof encryptWith !== 'string') {
    throw new ConfigError([`${FILE}: ${path}: "encryptWith" must be a key id`]);
  }
  const entries = Object.entries(keys as Record<string, unknown>).map(([id, base64]) => ({
    id,
    base64: typeof base64 === 'string' ? base64.trim() : '',
  }));
  const problems = entries.flatMap(({ id, base64 }) => keyProblem(id, base64) ?? []).map((p) => `${FILE}: ${p}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return { keys: entries, encryptWith };
}

/** The keys the settings name, decoded; undefined when encryption is off. */
export function loadCodecKeys(settings: EncryptionSettings | undefined): CodecKeys | undefined {
  if (!settings) return undefined;
  const fromFile = settings.keyFile ? readKeyFile(settings.keyFile) : undefined;
  const configured = fromFile?.keys ?? settings.keys ?? [];
  const encryptWith = settings.encryptWith ?? fromFile?.encryptWith ?? configured[0]?.id;
  const keys = new Map(configured.map(({ id, base64 }) => [id, Buffer.from(base64, 'base64')]));
  if (!encryptWith || !keys.has(encryptWith)) {
    const source = settings.keyFile ? FILE : 'LLMBATCH_ENCRYPTION_KEY';
    throw new ConfigError([
      `LLMBATCH_ENCRYPTION_KEY_ID: no key "${encryptWith ?? ''}" in ${source} (ids: ${[...keys.keys()].join(', ')})`,
    ]);
  }
  return { encryptWith, keys };
}
