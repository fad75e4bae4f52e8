// An integration-test world: the global dev server, a simulator on a free port, an embedded PostgreSQL store in
// a temp folder, and a worker on a fresh task queue. Every delay comes from configuration.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, type Worker } from '@temporalio/worker';
import { stringify } from 'yaml';
import { newWebhookSecret, startSimulator, type RunningSimulator } from '../../simulator';
import { openStore, type RunStore } from '../../store';
import type { ProviderEnv } from '../../providers';
import { createLlmbatchWorker } from '../../workers/create-worker';
import { dataConverterWith } from '../../workers/data-converter';
import { bundleOptions } from '../../workers/workflow-bundle';
import { freePort } from '../../dev/dev-server';
import { withWebhooks } from '../../dev/embedded';
import { startWebhookServer, type WebhookServer } from '../../workers/webhook-server';
import { installWorkerLogging } from '../../workers/logging';
import { removeStoreFolder } from './store-folder';

let bundle: Promise<{ code: string }> | undefined;
/** The workflow code: the one global setup bundled for the whole suite (LLMBATCH_WORKFLOW_BUNDLE), else bundled now. */
export function workflowBundle(): Promise<{ code: string }> {
  const prebuilt = process.env.LLMBATCH_WORKFLOW_BUNDLE;
  bundle ??= prebuilt ? Promise.resolve({ code: readFileSync(prebuilt, 'utf8') }) : bundleWorkflowCode(bundleOptions());
  return bundle;
}

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run integration tests through jest (global setup)');
  return address;
}

export interface Harness {
  dir: string;
  address: string;
  client: Client;
  simulator: RunningSimulator;
  taskQueue: string;
  storeDir: string;
  /** The in-process worker's webhook endpoint, where the simulator sends its batch events (unless `webhooks: false`). */
  webhooks?: WebhookServer;
  /** Present when the worker runs in this process. */
  worker?: Worker;
  store?: RunStore;
  writeSpec(spec: Record<string, unknown>, name?: string): string;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  profile?: unknown;
  inProcessWorker?: boolean;
  /** Overrides for the worker's provider settings (circuit breaker, log capture, endpoints at the simulator). */
  providerEnv?: Partial<ProviderEnv> | ((simulatorUrl: string) => Partial<ProviderEnv>);
  /** A Temporal server of the test's own (default: the global one). */
  address?: string;
  /** Where the store lives: a postgres:// URL, or (default) an embedded store folder in the test's temp dir. */
  store?: string;
  /**
   * With an in-process worker, the simulator sends its batch webhooks to the worker's endpoint
   * (true, the default: as `dev` does), unless the profile names webhooks of its own; false: chunks only poll.
   */
  webhooks?: boolean;
  /** The endpoint's secret (default: a fresh one), for a profile that sends its webhooks elsewhere first. */
  webhookSecret?: string;
  /** The client's and the worker's data converter (payload encryption); default: no codec, as with no key set. */
  dataConverter?: DataConverter;
  /** A Cloud Storage server (fake-gcs-server) for the simulator's Vertex AI jobs. */
  storageUrl?: string;
  /** An S3 server for the simulator's Bedrock jobs (dev/s3-emulator.ts). */
  s3?: { endpoint: string; credentials?: { accessKeyId: string; secretAccessKey: string } };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  installWorkerLogging(process.env.LLMBATCH_LOG_LEVEL ? undefined : 'WARN');
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-it-'));
  const taskQueue = `test-${randomUUID()}`;
  const storeDir = options.store ?? join(dir, 'store');
  const address = options.address ?? temporalAddress();
  const clientConnection = await Connection.connect({ address });
  const dataConverter = options.dataConverter ?? dataConverterWith(undefined);
  const client = new Client({ connection: clientConnection, dataConverter });
  const inProcess = options.inProcessWorker !== false;

  let store: RunStore | undefined = inProcess ? await openStore(storeDir) : undefined;
  let webhooks: WebhookServer | undefined;
  let profile = options.profile;
  if (store && options.webhooks !== false) {
    const secret = options.webhookSecret ?? newWebhookSecret();
    webhooks = await startWebhookServer({ secret, store, client, log: () => undefined });
    profile = withWebhooks(profile, webhooks.url, secret);
  }
  const simulator = await startSimulator({
    port: 0,
    profile,
    storageUrl: options.storageUrl,
    ...(options.s3 ? { s3: options.s3 } : {}),
  });

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let nativeConnection: NativeConnection | undefined;
  if (store) {
    nativeConnection = await NativeConnection.connect({ address });
    worker = await createLlmbatchWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      store,
      providerEnv: {
        simulatorUrl: simulator.url,
        ...(typeof options.providerEnv === 'function' ? options.providerEnv(simulator.url) : options.providerEnv),
      },
      workflowBundle: await workflowBundle(),
      dataConverter,
    });
    running = worker.run();
  }
  const stopWorker = async () => {
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    // Each once: a test may stop the worker itself before close() stops it again.
    await webhooks?.close();
    webhooks = undefined;
    await nativeConnection?.close();
    await store?.sql.close();
    worker = undefined;
    running = undefined;
    nativeConnection = undefined;
    store = undefined;
  };
  return {
    dir,
    address,
    client,
    simulator,
    taskQueue,
    storeDir,
    webhooks,
    worker,
    store,
    writeSpec(spec, name = 'spec.yaml') {
      const path = join(dir, name);
      writeFileSync(path, stringify(spec));
      return path;
    },
    stopWorker,
    async close() {
      await stopWorker();
      await clientConnection.close();
      await simulator.close();
      // A harness folder holds a dev store, outputs and logs (~180 MB): a full suite left gigabytes.
      await removeStoreFolder(storeDir, dir);
    },
  };
}

/** A port that nothing listens on (taken and released): connections to it are refused. */
export function freeClosedPort(): Promise<number> {
  return freePort();
}

/**
 * A spec with every delay shrunk to test speed. The cache is off: tests run the same generated
 * tickets many times in one store and mean to send them each time; cache tests turn it on.
 */
export function fastSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'test',
    input: 'tickets.jsonl',
    id: 'id',
    template: { system: 'Classify the ticket.', user: 'Subject: {{subject}}\n{{body}}' },
    output: { dir: 'out' },
    provider: 'simulator',
    model: 'gpt-4.1-mini',
    maxTokens: 100,
    mode: 'batch',
    chunkSize: 100,
    poll: { initial: '50ms', max: '200ms' },
    limits: { concurrentBatches: 5 },
    cache: { enabled: false },
    ...overrides,
    // Failed provider calls tried again within seconds, whatever else a test sets under retry.
    retry: { callBackoff: '200ms', callBackoffMax: '2s', ...(overrides.retry as object | undefined) },
  };
}
