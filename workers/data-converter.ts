// The data converter of every client and worker llmbatch creates: the encryption codec when a key
// is configured, and always the failure converter that moves messages into a payload, so that a
// worker with a key never depends on how its workflow bundle was built.
import type { DataConverter } from '@temporalio/common';
import type { LlmbatchConfig } from '../common/config';
import { loadCodecKeys, type CodecKeys } from './codec-keys';
import { EncryptionCodec } from './encryption-codec';

export function failureConverterPath(): string {
  return require.resolve('./failure-converter');
}

/** The converter for these keys (none: payloads stay JSON). */
export function dataConverterWith(keys: CodecKeys | undefined): DataConverter {
  return {
    failureConverterPath: failureConverterPath(),
    payloadCodecs: keys ? [new EncryptionCodec(keys)] : [],
  };
}

/** The converter the configuration asks for; a bad key file throws one ConfigError naming it. */
export function dataConverterFor(config: Pick<LlmbatchConfig, 'encryption'>): DataConverter {
  return dataConverterWith(loadCodecKeys(config.encryption));
}
