// The embedded stack that `dev` and the demo run in one process: a Temporal dev server persisted
// under .llmbatch/, the provider simulator, and a worker with the embedded PostgreSQL store. Nothing here writes
// process.env: the simulator's URL goes to the worker's providers, and the server's address and UI
// come back to the caller in the returned `temporal`.
import { join, resolve } from 'node:path';
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { DEFAULT_NAMESPACE } from '../common';
import type { LlmbatchConfig } from '../common/config';
import type { ProviderEnv } from '../providers/core/family';
import { S3_EMULATOR_CREDENTIALS, S3_EMULATOR_REGION } from './s3-emulator';
import { newWebhookSecret, startSimulator, type RunningSimulator } from '../simulator';
import { openStore, type RunStore } from '../store';
import { installTelemetry, startWorkerMetrics } from '../workers/telemetry';
import type { MetricsServer } from '../workers/metrics-server';
import { processConfig } from '../workers/settings';
import { createLlmbatchWorker } from '../workers/create-worker';
import { loadCodecKeys } from '../workers/codec-keys';
import { newCodecToken, startCodecServer, type CodecServer } from '../workers/codec-server';
import { dataConverterWith } from '../workers/data-converter';
import { startWebhookServer, type WebhookServer } from '../workers/webhook-server';
import { freePort, isPortFree, startDevServer, type DevServer } from './dev-server';
import { removeDevServerInfo, writeDevServerInfo } from '../workers/dev-server-info';
import { vertexAtSimulator } from './vertex-credentials';

export interface EmbeddedOptions {
  stateDir?: string;
  simulatorProfile?: unknown;
  simulatorPort?: number;
  log?: (line: string) => void;
  /** The configuration (task queue, provider keys, breaker, log level); this process's by default. */
  config?: LlmbatchConfig;
  /**
   * The simulator's batch webhooks go to the worker's endpoint (true, the default: a free port and a
   * fresh secret, or LLMBATCH_WEBHOOK_PORT and OPENAI_WEBHOOK_SECRET when set); false: chunks poll.
   * A profile that names its own `webhooks` keeps them.
   */
  webhooks?: boolean;
  /**
   * The real providers' clients (openai, azure-openai, anthropic) talk to this stack's simulator
   * with made-up keys, so a spec naming them runs here as against the real services (the demo's
   * `--provider`); false (the default): they use the keys and endpoints configured.
   */
  providersAtSimulator?: boolean;
  /**
   * A Cloud Storage server (the fake-gcs-server emulator) for the simulator's Vertex AI jobs; with
   * providersAtSimulator, provider `vertex` goes to the simulator with throwaway credentials.
   */
  storageUrl?: string;
  /**
   * An S3 server (http://127.0.0.1:PORT, path-style) for the simulator's Bedrock jobs; with
   * providersAtSimulator, provider bedrock's S3 client goes there too.
   */
  s3Url?: string;
}

/**
 * Provider settings that send every real provider's client to the simulator at `url` (and provider
 * bedrock's S3 client to the S3 server at `s3Url`).
 */
export function providersAt(url: string, s3Url?: string): Partial<ProviderEnv> {
  return {
    bedrock: {
      region: S3_EMULATOR_REGION,
      credentials: S3_EMULATOR_CREDENTIALS,
      bedrockEndpoint: url,
      runtimeEndpoint: url,
      ...(s3Url ? { s3Endpoint: s3Url } : {}),
      forcePathStyle: true,
    },
    openaiApiKey: 'sk-simulator',
    openaiBaseUrl: `${url}/v1`,
    azureApiKey: 'azure-simulator',
    azureEndpoint: url,
    anthropicApiKey: 'sk-ant-simulator',
    anthropicBaseUrl: url,
    geminiApiKey: 'gemini-simulator',
    geminiBaseUrl: url,
  };
}

/** The codec server `dev` starts when payloads are encrypted, and the token that opens it. */
export interface EmbeddedCodec {
  server: CodecServer;
  token: string;
  /** Whether the token was made up here (LLMBATCH_CODEC_TOKEN unset): then `dev` prints it. */
  generated: boolean;
}

/** The profile with `webhooks` at the endpoint, unless it names webhooks of its own. */
export function withWebhooks(profile: unknown, url: string, secret: string): unknown {
  const given = (profile ?? {}) as Record<string, unknown>;
  if (typeof given !== 'object' || given.webhooks !== undefined) return profile;
  return { ...given, webhooks: { url, secret } };
}

export interface Embedded {
  temporal: DevServer;
  simulator: RunningSimulator;
  /** The worker's webhook endpoint, unless `webhooks: false`. */
  webhooks?: WebhookServer;
  worker: Worker;
  store: RunStore;
  taskQueue: string;
  /** What a client of this stack needs to read and write its payloads (encrypted with a key configured). */
  dataConverter: DataConverter;
  /** With a key configured: the codec server the Web UI decodes through. */
  codec?: EmbeddedCodec;
  stop(): Promise<void>;
}

/** 7233 / 8233 when free (what users and the Web UI expect), else free ports (the UI's known now: the codec server's CORS names it). */
async function pickPorts(): Promise<{ port: number; uiPort: number }> {
  if ((await isPortFree(7233)) && (await isPortFree(8233))) return { port: 7233, uiPort: 8233 };
  return { port: 0, uiPort: await freePort() };
}

/** With a key: a codec server on a free port that the dev server's Web UI (and only it) may call. */
async function startDevCodec(
  config: LlmbatchConfig,
  uiPort: number,
  log: (line: string) => void,
): Promise<{ dataConverter: DataConverter; codec?: EmbeddedCodec }> {
  const keys = loadCodecKeys(config.encryption);
  const dataConverter = dataConverterWith(keys);
  if (!keys) return { dataConverter };
  const token = config.codecServer.token ?? newCodecToken();
  const uiOrigins = [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
  const server = await startCodecServer({ keys, token, uiOrigins, log });
  return { dataConverter, codec: { server, token, generated: config.codecServer.token === undefined } };
}

export async function startEmbedded(options: EmbeddedOptions = {}): Promise<Embedded> {
  const log = options.log ?? ((line: string) => console.error(line));
  const config = options.config ?? processConfig();
  const { temporalMetricsUrl } = await installTelemetry(config);
  const stateDir = resolve(options.stateDir ?? '.llmbatch');
  // The store first (started, or joined when a `worker` or another `dev` on this folder runs it): a
  // store that cannot be had refuses here, before a Temporal server or simulator starts for nothing.
  const store: RunStore = await openStore(join(stateDir, 'store'), { log });
  const ports = await pickPorts();
  let temporal: DevServer;
  let codec: EmbeddedCodec | undefined;
  let dataConverter: DataConverter;
  try {
    ({ dataConverter, codec } = await startDevCodec(config, ports.uiPort, log));
    temporal = await startDevServer({
      ...ports,
      dbFile: join(stateDir, 'temporal.db'),
      logFile: join(stateDir, 'temporal.log'),
      // The token rides in the endpoint's path: this Web UI has no login, so it cannot send a header.
      uiCodecEndpoint: codec?.server.uiEndpoint,
      log,
    });
  } catch (error) {
    await codec?.server.close();
    await store.sql.close();
    throw error;
  }
  // `status`, `wait` and `run` in other terminals link to this server's Web UI (its port may not be 8233).
  writeDevServerInfo(stateDir, { address: temporal.address, uiUrl: temporal.uiUrl });
  const stopTemporal = async () => {
    removeDevServerInfo(stateDir, temporal.address);
    await temporal.stop();
    await codec?.server.close();
  };
  let simulator: RunningSimulator | undefined;
  let connection: NativeConnection | undefined;
  let webhooks: WebhookServer | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    const { metrics, server } = await startWorkerMetrics(config, store, temporalMetricsUrl);
    metricsServer = server;
    connection = await NativeConnection.connect({ address: temporal.address });
    let profile = options.simulatorProfile;
    if (options.webhooks !== false) {
      const secret = config.webhooks?.secret ?? newWebhookSecret();
      const client = new Client({ connection, namespace: DEFAULT_NAMESPACE, dataConverter });
      webhooks = await startWebhookServer({ ...config.webhooks, secret, store, client, log });
      profile = withWebhooks(profile, webhooks.url, secret);
    }
    simulator = await startSimulator({
      port: options.simulatorPort ?? 0,
      profile,
      storageUrl: options.storageUrl,
      ...(options.s3Url ? { s3: { endpoint: options.s3Url, credentials: S3_EMULATOR_CREDENTIALS } } : {}),
    });
    const taskQueue = config.taskQueue;
    const worker = await createLlmbatchWorker({
      connection,
      namespace: DEFAULT_NAMESPACE,
      taskQueue,
      store,
      // This stack's simulator, whatever LLMBATCH_SIMULATOR_URL says; real providers' keys as configured.
      providerEnv: {
        ...config.providers,
        ...(options.providersAtSimulator ? providersAt(simulator.url, options.s3Url) : {}),
        ...(options.providersAtSimulator && options.storageUrl
          ? vertexAtSimulator(simulator.url, options.storageUrl, join(stateDir, 'vertex-simulator'))
          : {}),
        simulatorUrl: simulator.url,
      },
      shutdownGraceTime: config.shutdownGrace,
      webUiUrl: temporal.uiUrl,
      metrics,
      dataConverter,
    });
    const running = worker.run();
    const embedded: Embedded = {
      temporal,
      simulator,
      webhooks,
      worker,
      store,
      taskQueue,
      dataConverter,
      codec,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await webhooks?.close();
        await metricsServer?.close();
        await connection?.close();
        await store?.sql.close();
        await simulator?.close();
        await stopTemporal();
      },
    };
    return embedded;
  } catch (error) {
    await webhooks?.close().catch(() => undefined);
    await metricsServer?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await store?.sql.close().catch(() => undefined);
    await simulator?.close().catch(() => undefined);
    await stopTemporal();
    throw error;
  }
}
