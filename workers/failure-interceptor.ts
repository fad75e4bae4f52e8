// The activity boundary for every activity: whatever an activity throws leaves it as an
// ApplicationFailure typed by our failure kinds (retryable or not, internal errors capped by
// attempt), so no raw error escapes into Temporal's default "retry forever" handling.
import { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { toActivityFailure } from '../activities/failure';

export const failureTranslation: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (error) {
        const context = Context.current();
        throw toActivityFailure(error, context.info.attempt, context.cancellationSignal.aborted);
      }
    },
  },
});
