// Alerts never hold the run: a few attempts, then a log line. Budget alerts raised by chunk signals
// go out from a loop beside the window (a signal handler cannot wait for an activity).
import { CancellationScope, condition, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { PlanSummary } from '../../common';
import { alertProfile } from '../activity-profiles';
import { continuing, type Run } from './run';

const { sendAlert } = proxyActivities<Activities>(alertProfile);

export type AlertKind = Parameters<Activities['sendAlert']>[0]['kind'];

/** Alerts never hold the run: a few attempts, then a log line. */
export async function alert(run: Run, kind: AlertKind, message: string, details = {}): Promise<void> {
  await sendAlert
    .executeWithOptions({ ...alertProfile, summary: `alert ${kind}` }, [
      { runId: run.runId, kind, message, webhook: run.spec.alert?.webhook, details },
    ])
    .catch((error: unknown) => log.warn('alert could not be delivered', { kind, error: String(error) }));
}

/** The budget alert loop: `done` once it was closed and sent what it must. */
export interface BudgetAlerts {
  readonly done: Promise<void>;
  /** The window closed: send what is left, or leave it to the next run when this one continues as new. */
  close(): void;
}

/** Sends the budget alerts that chunks raise, one at a time, until the window closes. */
export function sendBudgetAlerts(run: Run, plan: PlanSummary): BudgetAlerts {
  const window = { open: true };
  const done = CancellationScope.nonCancellable(async () => {
    for (;;) {
      await condition(() => run.budgetAlerts.length > 0 || !window.open);
      // Continuing as new, what is left goes to the next run (state.budgetAlerts).
      if (run.budgetAlerts.length === 0 || (!window.open && continuing(run, plan))) return;
      const { kind, message } = run.budgetAlerts.shift()!;
      await alert(run, kind, message);
    }
  });
  return {
    done,
    close: () => {
      window.open = false;
    },
  };
}
