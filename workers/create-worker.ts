// Builds a worker with real dependencies: the store, the provider adapters, our workflows.
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Runtime, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, fileActivities, type Activities } from '../activities';
import type { RunMetrics } from '../activities/alerts/metrics';
import { createProviderRegistry, type ProviderEnv } from '../providers';
import type { RunStore } from '../store';
import { dataConverterFor } from './data-converter';
import { failureTranslation } from './failure-interceptor';
import { installWorkerLogging } from './logging';
import { processConfig, temporalConnectConfig } from './settings';
import { webUiLink } from './web-ui-link';
import { loadWorkflowBundle } from './workflow-bundle';

export { workflowsPath } from './workflow-bundle';

export interface LlmbatchWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  store: RunStore;
  providerEnv: ProviderEnv;
  /** A bundle built once (tests); otherwise LLMBATCH_WORKFLOW_BUNDLE or workflows/ bundled at start-up. */
  workflowBundle?: WorkflowBundleOption;
  maxConcurrentActivities?: number;
  /** How long a stopping worker lets in-flight activities finish (LLMBATCH_SHUTDOWN_GRACE, default 30s). */
  shutdownGraceTime?: string;
  /** Where activities count what they do (workers/telemetry.ts); none: not counted. */
  metrics?: RunMetrics;
  /** Payload encryption and failure encoding (workers/data-converter.ts); default: this process's configuration. */
  dataConverter?: DataConverter;
  /** The Web UI this worker's Temporal serves (report.html links to it); default: as the CLI finds it. */
  webUiUrl?: string;
}

const STOPPING: ReadonlySet<string> = new Set(['STOPPING', 'DRAINING', 'DRAINED', 'STOPPED', 'FAILED']);

/** Every activity, built on the worker's store and providers; `draining` says whether `worker()` is stopping. */
function activitiesFor(
  options: Pick<LlmbatchWorkerOptions, 'store' | 'providerEnv' | 'metrics' | 'webUiUrl'>,
  worker: () => Worker,
): Activities {
  const { address } = temporalConnectConfig().connectionOptions;
  return createActivities({
    store: options.store,
    metrics: options.metrics,
    webUiLink: (workflowId) => webUiLink(workflowId, address, { uiUrl: options.webUiUrl }),
    providers: createProviderRegistry({
      ...options.providerEnv,
      log:
        options.providerEnv.log ??
        ((message) => {
          Runtime.instance().logger.warn(message);
        }),
    }),
    // On SIGTERM the runtime stops the worker: sync rounds finish their calls in flight and hand
    // the rest back, so no call is cut off after the provider billed it.
    draining: () => STOPPING.has(worker().getState()),
  });
}

export async function createLlmbatchWorker(options: LlmbatchWorkerOptions): Promise<Worker> {
  installWorkerLogging();
  // `draining` reads the worker it belongs to; activities run only after Worker.create returns.
  const worker: Worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle ?? (await loadWorkflowBundle()),
    dataConverter: options.dataConverter ?? dataConverterFor(processConfig()),
    activities: activitiesFor(options, () => worker),
    shutdownGraceTime: options.shutdownGraceTime ?? processConfig().shutdownGrace,
    interceptors: { activity: [failureTranslation] },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 50,
  });
  return worker;
}

/**
 * The second worker of a machine that has the user's files (the samples' worker-specific task
 * queue): no workflows, only the activities that read the input or write the output files, on the
 * files queue, which no other machine polls. The machine's first worker, on the shared queue, runs
 * the rest like any other.
 */
export async function createFilesWorker(
  options: Omit<LlmbatchWorkerOptions, 'workflowBundle' | 'taskQueue'> & { filesQueue: string },
): Promise<Worker> {
  installWorkerLogging();
  const worker: Worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.filesQueue,
    activities: fileActivities(activitiesFor(options, () => worker)),
    dataConverter: options.dataConverter ?? dataConverterFor(processConfig()),
    shutdownGraceTime: options.shutdownGraceTime ?? processConfig().shutdownGrace,
    interceptors: { activity: [failureTranslation] },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 50,
  });
  return worker;
}
