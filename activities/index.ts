// All activities, built from injected dependencies; workflows proxy ReturnType<typeof createActivities>.
import type { ActivityDeps } from './deps';
import { createCollectActivities } from './collect';
import { createFinalizeActivities } from './finalize';
import { createPlanActivities } from './plan';
import { createPollActivities } from './poll';
import { createSubmitActivities } from './submit';
import { createChunkTallyActivities } from './tally';

export type { ActivityDeps } from './deps';
export { BATCH_NOT_READY } from './poll';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createPlanActivities(deps),
    ...createSubmitActivities(deps),
    ...createPollActivities(deps),
    ...createCollectActivities(deps),
    ...createChunkTallyActivities(deps),
    ...createFinalizeActivities(deps),
  };
}
export type Activities = ReturnType<typeof createActivities>;
