// `llmbatch codec-server`: the codec server for the Temporal Web UI (and `temporal --codec-endpoint`),
// with this process's keys (LLMBATCH_ENCRYPTION_KEY or _FILE) and token (LLMBATCH_CODEC_TOKEN, or
// one made up and printed). Prints `listening on <url>` first, so scripts can wait for that line.
import { Command } from 'commander';
import { z } from 'zod';
import { portOption } from '../command-options';
import { loadCodecKeys } from '../../workers/codec-keys';
import { newCodecToken, startCodecServer } from '../../workers/codec-server';
import { processConfig } from '../../workers/settings';

const optionsSchema = z.object({
  port: portOption.optional(),
  host: z.string().min(1).optional(),
});

export function codecServerCommand(): Command {
  return new Command('codec-server')
    .description(
      "decode (and encode) encrypted payloads for the Temporal Web UI: POST /decode, /encode with Authorization: Bearer $LLMBATCH_CODEC_TOKEN; CORS for LLMBATCH_CODEC_UI_ORIGIN's pages",
    )
    .option('--port <n>', 'port to listen on, 0 for a free one (default: LLMBATCH_CODEC_PORT, 8888)')
    .option('--host <address>', 'address to bind (default: LLMBATCH_CODEC_HOST, 127.0.0.1)')
    .action(async (raw: unknown) => {
      const options = optionsSchema.parse(raw);
      const config = processConfig();
      const keys = loadCodecKeys(config.encryption);
      if (!keys) throw new Error('no key to decode with: set LLMBATCH_ENCRYPTION_KEY or LLMBATCH_ENCRYPTION_KEY_FILE');
      const token = config.codecServer.token ?? newCodecToken();
      const server = await startCodecServer({
        keys,
        token,
        uiOrigins: config.codecServer.uiOrigins,
        host: options.host ?? config.codecServer.host,
        port: options.port ?? config.codecServer.port,
      });
      console.log(`listening on ${server.url}`);
      console.log(`  keys:    ${[...keys.keys.keys()].join(', ')} (new payloads: ${keys.encryptWith})`);
      console.log(`  origins: ${config.codecServer.uiOrigins.join(', ')} (CORS)`);
      if (!config.codecServer.token)
        console.log(`  token:   ${token} (made up; set LLMBATCH_CODEC_TOKEN to choose it)`);
      console.log(
        `  CLI:     temporal workflow show --codec-endpoint ${server.url} --codec-auth "Bearer <token>" -w RUN_ID`,
      );
      console.log(`  Web UI without a login (dev server): --ui-codec-endpoint ${server.url}/<token>`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
