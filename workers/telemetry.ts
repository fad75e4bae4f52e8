// What a worker process tells its operator: the Temporal runtime (log format and level, Core's
// metrics) installed before any connection, then the metrics endpoint once the store is open.
import type { LlmbatchConfig } from '../common/config';
import { createRunMetrics, type RunMetrics } from '../activities/alerts/metrics';
import { freePort } from './free-port';
import type { RunStore } from '../store';
import { announce, installWorkerRuntime } from './logging';
import { startMetricsServer, type MetricsServer } from './metrics-server';

/** Installs the runtime; with LLMBATCH_METRICS_PORT, Core exports its metrics on a loopback port. */
export async function installTelemetry(config: LlmbatchConfig): Promise<{ temporalMetricsUrl?: string }> {
  const address = config.metrics ? `127.0.0.1:${await freePort()}` : undefined;
  const { temporalMetrics } = installWorkerRuntime({
    level: config.logLevel,
    format: config.logFormat,
    temporalMetricsAddress: address,
  });
  return { temporalMetricsUrl: temporalMetrics && address ? `http://${address}/metrics` : undefined };
}

export interface WorkerMetrics {
  /** What the activities record into (also without an endpoint: recording is cheap). */
  metrics: RunMetrics;
  server?: MetricsServer;
}

/** The metrics endpoint, when LLMBATCH_METRICS_PORT asks for one; batches in flight come from the store. */
export async function startWorkerMetrics(
  config: LlmbatchConfig,
  store: RunStore,
  temporalMetricsUrl: string | undefined,
): Promise<WorkerMetrics> {
  const metrics = createRunMetrics({ batchesInFlight: () => store.batchSlots.inFlight() });
  if (!config.metrics) return { metrics };
  const server = await startMetricsServer({ ...config.metrics, registry: metrics.registry, temporalMetricsUrl });
  announce(`metrics: Prometheus metrics at ${server.url}`, { url: server.url });
  return { metrics, server };
}
