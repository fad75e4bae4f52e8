// Builds a worker with real dependencies: the store, the provider adapters, our workflows.
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createProviderRegistry, type ProviderEnv } from '../providers';
import type { RunStore } from '../store';
import { failureTranslation } from './failure-interceptor';
import { installWorkerLogging } from './logging';

export interface LlmbatchWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  store: RunStore;
  providerEnv: ProviderEnv;
  /** A prebuilt bundle (tests, production); otherwise workflows/ is bundled at start-up. */
  workflowBundle?: WorkflowBundleOption;
  maxConcurrentActivities?: number;
}

export function workflowsPath(): string {
  return require.resolve('../workflows');
}

export async function createLlmbatchWorker(options: LlmbatchWorkerOptions): Promise<Worker> {
  installWorkerLogging();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath() }),
    activities: createActivities({ store: options.store, providers: createProviderRegistry(options.providerEnv) }),
    interceptors: { activity: [failureTranslation] },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 50,
  });
}
