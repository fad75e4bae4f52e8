// Worker logging and the Temporal runtime's telemetry, installed once per process before the first
// connection. A batch that is "not ready yet" fails its poll activity by design (Temporal's
// infrequent-polling pattern); those expected failures are logged at debug, not as warnings.
// LLMBATCH_LOG_FORMAT=json writes every line (ours, the SDK's, workflows' and activities' through
// Temporal's logger, and Core's, forwarded) as one JSON object on stdout (workers/json-log.ts).
import { DefaultLogger, Runtime, type LogEntry, type LogLevel, type LogMetadata } from '@temporalio/worker';
import { BATCH_NOT_READY } from '../activities/batch/poll';
import type { LogFormat } from '../common/config';
import { jsonLogLine } from './json-log';
import { processConfig } from './settings';

class PollQuietLogger extends DefaultLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const failure = (meta as { error?: { type?: string } } | undefined)?.error;
    if (failure?.type === BATCH_NOT_READY && (level === 'WARN' || level === 'INFO')) level = 'DEBUG';
    super.log(level, message, meta);
  }
}

const writeJson = (entry: LogEntry) => process.stdout.write(jsonLogLine(entry) + '\n');

export interface WorkerRuntimeOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** host:port where the Temporal runtime serves its own Prometheus metrics (Core's exporter). */
  temporalMetricsAddress?: string;
}

let installed: { format: LogFormat; temporalMetrics: boolean } | undefined;

/**
 * Installs the process-wide Temporal runtime once (LLMBATCH_LOG_LEVEL, default INFO). Says whether
 * Temporal's metrics are exported: not when a runtime already existed (a connection came first).
 */
export function installWorkerRuntime(options: WorkerRuntimeOptions = {}): { temporalMetrics: boolean } {
  if (installed) return { temporalMetrics: installed.temporalMetrics };
  const level = options.level ?? processConfig().logLevel ?? 'INFO';
  const format = options.format ?? 'text';
  installed = { format, temporalMetrics: false };
  try {
    Runtime.install({
      logger: format === 'json' ? new PollQuietLogger(level, writeJson) : new PollQuietLogger(level),
      telemetryOptions: {
        // Core's own lines would otherwise go to the console as text, around the JSON.
        // Core's DEBUG is a line per poll: DEBUG asks for our detail, TRACE for Core's too.
        ...(format === 'json'
          ? { logging: { forward: {}, filter: { core: level === 'DEBUG' ? 'INFO' : level, other: 'WARN' } } }
          : {}),
        ...(options.temporalMetricsAddress
          ? { metrics: { prometheus: { bindAddress: options.temporalMetricsAddress } } }
          : {}),
      },
    });
    installed.temporalMetrics = options.temporalMetricsAddress !== undefined;
  } catch {
    // A runtime already exists (a connection was made first): keep its logger.
  }
  return { temporalMetrics: installed.temporalMetrics };
}

/** Installs the runtime with a log level only (tests, and callers that came before the options). */
export function installWorkerLogging(level?: LogLevel): void {
  installWorkerRuntime({ level });
}

/** A start-up line for the operator: as it always was in text, a JSON log line on request. */
export function announce(message: string, meta?: Record<string, unknown>): void {
  if (installed?.format === 'json') writeJson({ level: 'INFO', message, meta, timestampNanos: nowNanos() });
  else console.log(message);
}

function nowNanos(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
