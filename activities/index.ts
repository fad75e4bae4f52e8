// All activities, built from injected dependencies; workflows proxy ReturnType<typeof createActivities>.
import type { ActivityDeps } from './deps';
import { keepAlive } from './keep-alive';
import { createAlertActivities } from './alerts/alert';
import { createBatchSlotActivities } from './batch/batch-slots';
import { createBudgetActivities } from './spend/budget';
import { createCancelActivities } from './batch/cancel';
import { createCollectActivities } from './batch/collect';
import { createEstimateActivities } from './spend/estimate';
import { createFailoverActivities } from './batch/failover';
import { createFinalizeActivities } from './finalize/finalize';
import { createPlanActivities } from './plan/plan';
import { createPollActivities } from './batch/poll';
import { createRunOutcomeActivities } from './finalize/run-outcome';
import { createSubmitActivities } from './batch/submit';
import { createSyncStrikeActivities } from './sync/sync-strike';
import { createChunkTallyActivities } from './finalize/tally';

export type { ActivityDeps } from './deps';
export { BATCH_NOT_READY } from './batch/poll';
export { NO_BATCH_ROOM } from './batch/batch-slots';

/** Every activity heartbeats on a timer while it runs, so slow I/O is never mistaken for a dead worker. */
function alive<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, run]) => [name, (...args: never[]) => keepAlive(() => run(...args))]),
  ) as T;
}

export function createActivities(deps: ActivityDeps) {
  return alive({
    ...createPlanActivities(deps),
    ...createSubmitActivities(deps),
    ...createPollActivities(deps),
    ...createCancelActivities(deps),
    ...createCollectActivities(deps),
    ...createSyncStrikeActivities(deps),
    ...createChunkTallyActivities(deps),
    ...createFinalizeActivities(deps),
    ...createRunOutcomeActivities(deps),
    ...createBudgetActivities(deps),
    ...createBatchSlotActivities(deps),
    ...createFailoverActivities(deps),
    ...createEstimateActivities(deps),
    ...createAlertActivities(deps),
  });
}
export type Activities = ReturnType<typeof createActivities>;

/**
 * The activities that read the user's input or write its output files: what a run schedules on its
 * files queue (workflows/files-queue.ts), and all that a files worker registers, so that nothing
 * else is ever taken from that queue by mistake.
 */
export const FILE_ACTIVITY_NAMES = [
  'planRun',
  'finalizeRun',
  'writeSample',
] as const satisfies readonly (keyof Activities)[];

export type FileActivities = Pick<Activities, (typeof FILE_ACTIVITY_NAMES)[number]>;

export function fileActivities(all: Activities): FileActivities {
  // Plain functions (alive() made each one an arrow), so no `this` is lost by taking them out.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  return Object.fromEntries(FILE_ACTIVITY_NAMES.map((name) => [name, all[name]])) as FileActivities;
}
