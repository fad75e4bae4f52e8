// What a chunk tells others as it goes: alerts (webhook, log) and its parent (waiting, budget zone).
import { getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { alertProfile } from '../activity-profiles';
import { chunkBudgetSignal, chunkWaitingSignal } from '../signals';
import { sendAlert } from './proxies';
import type { BudgetZone, ChunkState } from './state';

type AlertKind = Parameters<Activities['sendAlert']>[0]['kind'];

/** Alerts never hold the chunk: a few attempts, then a log line. */
export function alert(state: ChunkState, kind: AlertKind, message: string, details = {}): Promise<void> {
  const { runId, chunk } = state;
  return sendAlert
    .executeWithOptions({ ...alertProfile, summary: `alert ${kind}` }, [
      { runId, kind, message, webhook: state.spec.alert?.webhook, details: { chunk, ...details } },
    ])
    .catch((error: unknown) => log.warn('alert could not be delivered', { kind, error: String(error) }));
}

/** Tells the parent the chunk waits (a refused key) or waits no more. */
export async function tellParentWaiting(state: ChunkState, waiting: boolean, reason: string): Promise<void> {
  const parent = workflowInfo().parent;
  if (!parent) return;
  await getExternalWorkflowHandle(parent.workflowId)
    .signal(chunkWaitingSignal, { chunk: state.chunk, waiting, reason })
    .catch((error: unknown) => log.warn('could not tell the parent', { error: String(error) }));
}

/** Tells the parent the budget zone the chunk's reservation met, when it changed. */
export async function tellBudget(state: ChunkState, zone: BudgetZone, message: string): Promise<void> {
  if (zone === state.zoneTold) return;
  state.zoneTold = zone;
  const parent = workflowInfo().parent;
  if (!parent) return;
  await getExternalWorkflowHandle(parent.workflowId)
    .signal(chunkBudgetSignal, { chunk: state.chunk, zone, message })
    .catch((error: unknown) => log.warn('could not tell the parent', { error: String(error) }));
}
