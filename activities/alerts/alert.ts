// Alerts: a log line always, and a JSON POST to the spec's `alert.webhook` when it names one.
import { activityInfo, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from '../deps';

export interface AlertInput {
  runId: string;
  kind:
    | 'dead-letter-rate'
    | 'batch-overdue'
    | 'batch-deadline'
    | 'batch-stalled'
    | 'failover'
    | 'auth'
    | 'chunk-failed'
    | 'run-failed'
    | 'budget-yellow'
    | 'budget-red'
    | 'budget-refused'
    | 'files-worker-missing';
  message: string;
  webhook?: string;
  details?: Record<string, unknown>;
}

export function createAlertActivities({ metrics }: Pick<ActivityDeps, 'metrics'> = {}) {
  return {
    async sendAlert(alert: AlertInput): Promise<void> {
      log.warn(`ALERT ${alert.kind}: ${alert.message}`, { runId: alert.runId, ...alert.details });
      // Once per alert: later attempts only retry its webhook.
      if (activityInfo().attempt === 1) metrics?.alert(alert.kind);
      if (!alert.webhook) return;
      const response = await fetch(alert.webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          event: alert.kind,
          runId: alert.runId,
          message: alert.message,
          at: new Date().toISOString(),
          ...alert.details,
        }),
        signal: AbortSignal.timeout(5_000),
      });
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        throw ApplicationFailure.nonRetryable(`alert webhook answered ${response.status}`, 'webhook_refused');
      }
      if (!response.ok) throw new Error(`alert webhook answered ${response.status}`);
    },
  };
}
