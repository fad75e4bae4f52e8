// Worker logging. A batch that is "not ready yet" fails its poll activity by design (Temporal's
// infrequent-polling pattern); those expected failures are logged at debug, not as warnings.
import { DefaultLogger, Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import { BATCH_NOT_READY } from '../activities/poll';
import { processConfig } from './settings';

class PollQuietLogger extends DefaultLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const failure = (meta as { error?: { type?: string } } | undefined)?.error;
    if (failure?.type === BATCH_NOT_READY && (level === 'WARN' || level === 'INFO')) level = 'DEBUG';
    super.log(level, message, meta);
  }
}

let installed = false;

/** Installs the process-wide Temporal runtime logger once, before the first connection (LLMBATCH_LOG_LEVEL, default INFO). */
export function installWorkerLogging(level: LogLevel = processConfig().logLevel ?? 'INFO'): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: new PollQuietLogger(level) });
  } catch {
    // A runtime already exists (a connection was made first): keep its logger.
  }
}
