// All activities, built from injected dependencies; workflows proxy ReturnType<typeof createActivities>.
import type { ActivityDeps } from './deps';
import { createAlertActivities } from './alert';
import { createCollectActivities } from './collect';
import { createFinalizeActivities } from './finalize';
import { createPlanActivities } from './plan';
import { createPollActivities } from './poll';
import { createSubmitActivities } from './submit';
import { createSyncStrikeActivities } from './sync-strike';
import { createChunkTallyActivities } from './tally';

export type { ActivityDeps } from './deps';
export { BATCH_NOT_READY } from './poll';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createPlanActivities(deps),
    ...createSubmitActivities(deps),
    ...createPollActivities(deps),
    ...createCollectActivities(deps),
    ...createSyncStrikeActivities(deps),
    ...createChunkTallyActivities(deps),
    ...createFinalizeActivities(deps),
    ...createAlertActivities(),
  };
}
export type Activities = ReturnType<typeof createActivities>;
