// A chunk's state machine, three strikes: strike 1 submits the chunk as one provider batch,
// strike 2 resubmits only the retryable failures as a new batch, strike 3 calls what still
// remains through the sync API; whatever still fails is dead-lettered by finalize. Permanent
// failures never burn strikes (the store stops offering them). The history holds a fixed number
// of events whatever the chunk size: polling lives in an activity's retries.
//
// A refused API key (401/403) is the run's trouble, not the items': the step that met it waits
// (phase `waiting:auth`, an alert, the parent told) and probes again with backoff until the key
// works or retry.authTimeout passes, when the chunk fails and its items are dead-lettered.
// Paused, the chunk submits nothing new (a batch in flight finishes and is collected). Cancelled,
// it cancels its provider batch, collects what the batch already answered and dead-letters the
// rest as `cancelled`. A batch still unfinished at its deadline (poll.deadline after its
// submission) is cancelled the same way, but its unanswered items go on to the next strike; so is
// a batch the provider has not even started by poll.startDeadline, and then the next strike goes
// to the next provider of the failover chain when there is one.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  failoverSpec,
  formatDuration,
  laneSpec,
  rootFailureType,
  rootMessage,
  type ChunkEnd,
  type ChunkInput,
  type ChunkOutcome,
  type ChunkPhase,
} from '../common';
import {
  alertProfile,
  bookkeepingProfile,
  capacityWaitProfile,
  collectProfile,
  ioProfile,
  keyWaitProfile,
  POLL_SLACK_MS,
  pollProfile,
  providerCallProfile,
  syncCallProfile,
  withCallBackoff,
  webhookLookProfile,
} from './activity-profiles';
import {
  LlmCostUsd,
  LlmItemsDone,
  LlmItemsFailed,
  LlmItemsTotal,
  LlmModel,
  LlmPhase,
  LlmProvider,
} from './search-attributes';
import {
  batchEndedSignal,
  budgetSignal,
  chunkBudgetSignal,
  chunkEndedSignal,
  chunkWaitingSignal,
  pauseSignal,
  resumeSignal,
} from './signals';

export const chunkPhaseQuery = defineQuery<ChunkPhase>('phase');

const io = proxyActivities<Activities>(ioProfile);
const calls = proxyActivities<Activities>(providerCallProfile);
const collecting = proxyActivities<Activities>(collectProfile);
const syncCalls = proxyActivities<Activities>(syncCallProfile);
const { sendAlert } = proxyActivities<Activities>(alertProfile);
const lookNow = proxyLocalActivities<Activities>(webhookLookProfile);
const books = proxyLocalActivities<Activities>(bookkeepingProfile);

type Batch = Awaited<ReturnType<Activities['pollBatch']>>;
/** What waitForBatch answers when the batch's deadline came before its end. */
const PAST_DEADLINE = 'past-deadline';
/** What waitForBatch answers when the provider had not started the batch by poll.startDeadline. */
const NOT_STARTED = 'not-started';
/** Why the chunk stops a batch of its own accord. */
type StopReason = 'deadline' | 'stalled';

/** Started: the provider has taken the batch up (OpenAI's `validating`, Gemini's PENDING are not). */
const hasStarted = (batch: Batch) => batch.status !== 'validating';

/** Thrown inside a strike when the chunk moved to a failover entry: the strike starts again there. */
class FailedOver extends Error {}

/** A chunk out of budget looks again at most this far apart even without a raise (daily caps renew). */
const BUDGET_RECHECK_MS = 3_600_000;

function isAuthFailure(error: unknown): error is ActivityFailure {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === 'auth';
}

/** A duration as a person reads it in a timer's summary: 250 ms, 30 s, 5 min, 20 h. */
function readable(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/**
 * Runs the chunk and tells its parent how it ended before it ends (DESIGN.md rule 6): a run that
 * continued as new while the chunk ran has no child handle on it and learns its end only so. A
 * failure or cancel is told, then rethrown: the chunk still fails (or is cancelled) in Temporal.
 */
export async function chunkWorkflow(input: ChunkInput): Promise<ChunkOutcome> {
  const tellEnd = async (end: ChunkEnd) => {
    const parent = workflowInfo().parent;
    if (!parent) return;
    // Not cancellable: a cancelled chunk tells its end after its cleanup, in a cancelled scope.
    await CancellationScope.nonCancellable(() =>
      getExternalWorkflowHandle(parent.workflowId).signal(chunkEndedSignal, end),
    ).catch((error: unknown) => log.warn('could not tell the parent how the chunk ended', { error: String(error) }));
  };
  try {
    const outcome = await processChunk(input);
    await tellEnd({ chunk: input.chunk, outcome });
    return outcome;
  } catch (error) {
    await tellEnd(
      isCancellation(error)
        ? { chunk: input.chunk, cancelled: true }
        : { chunk: input.chunk, failure: { message: rootMessage(error), type: rootFailureType(error) } },
    );
    throw error;
  }
}

// eslint-disable-next-line max-lines-per-function -- issue 27: written before the rule, to be split into named steps
async function processChunk(input: ChunkInput): Promise<ChunkOutcome> {
  const { runId, chunk } = input;
  const label = `chunk ${chunk}`;
  // Provider calls spaced by the spec's retry.callBackoff.
  const callProfile = withCallBackoff(providerCallProfile, input.spec.retry);
  const collectCallProfile = withCallBackoff(collectProfile, input.spec.retry);
  const syncRoundProfile = withCallBackoff(syncCallProfile, input.spec.retry);
  /** The spec the chunk runs under: its own model and lane (read below), or a failover entry's. */
  let spec = input.spec;
  /** Failover entries not tried yet (spec `failover`), in order. */
  const failovers = [...(input.spec.failover ?? [])];
  let phase: ChunkPhase = 'submitting';
  let paused = false;
  let batches = 0;
  let maxUsd = input.maxUsd;
  let budgetChanged = false;
  /** The provider batch being waited on, so a cancel can stop it and collect what it answered. */
  let inFlight: { strike: number; batchId: string; model: string } | undefined;
  const poll = proxyActivities<Activities>(pollProfile(spec.poll, spec.poll.cancelWaitMs));
  const capacity = proxyActivities<Activities>(capacityWaitProfile(spec.poll));
  const deadline = formatDuration(spec.poll.deadlineMs);
  const startDeadline = formatDuration(spec.poll.startDeadlineMs);

  const enter = (next: ChunkPhase) => {
    if (next === phase) return;
    phase = next;
    upsertSearchAttributes([{ key: LlmPhase, value: next }]);
  };
  setHandler(chunkPhaseQuery, () => phase);
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(budgetSignal, ({ maxUsd: cap }) => {
    if (cap !== undefined) maxUsd = cap;
    budgetChanged = true;
  });

  // The chunk's own model and lane (routing, hybrid): every step below runs under them. Read after
  // the handlers are set, so that a query or signal in the first workflow task finds them.
  const lane = await books.chunkLane.executeWithOptions(
    { ...bookkeepingProfile, summary: `read ${label}'s model and lane` },
    [{ runId, chunk }],
  );
  spec = laneSpec(input.spec, lane);
  if (spec.model !== input.spec.model) upsertSearchAttributes([{ key: LlmModel, value: spec.model }]);

  /** Before anything new is submitted: wait while the run is paused. */
  const unlessPaused = async () => {
    if (!paused) return;
    const resume = phase;
    enter('paused');
    await condition(() => !paused);
    enter(resume);
  };

  /** Alerts never hold the chunk: a few attempts, then a log line. */
  const alert = (kind: Parameters<Activities['sendAlert']>[0]['kind'], message: string, details = {}) =>
    sendAlert
      .executeWithOptions({ ...alertProfile, summary: `alert ${kind}` }, [
        { runId, kind, message, webhook: spec.alert?.webhook, details: { chunk, ...details } },
      ])
      .catch((error: unknown) => log.warn('alert could not be delivered', { kind, error: String(error) }));

  const tellParent = async (waiting: boolean, reason: string) => {
    const parent = workflowInfo().parent;
    if (!parent) return;
    await getExternalWorkflowHandle(parent.workflowId)
      .signal(chunkWaitingSignal, { chunk, waiting, reason })
      .catch((error: unknown) => log.warn('could not tell the parent', { error: String(error) }));
  };
  let zoneTold: 'green' | 'yellow' | 'red' = 'green';
  const tellBudget = async (zone: 'green' | 'yellow' | 'red', message: string) => {
    if (zone === zoneTold) return;
    zoneTold = zone;
    const parent = workflowInfo().parent;
    if (!parent) return;
    await getExternalWorkflowHandle(parent.workflowId)
      .signal(chunkBudgetSignal, { chunk, zone, message })
      .catch((error: unknown) => log.warn('could not tell the parent', { error: String(error) }));
  };

  /**
   * Before a batch or sync round: reserve its estimated cost in the spend ledger, which picks the
   * model (the downgrade once the run is yellow). Out of budget, the chunk waits (phase
   * paused:budget) for a raise (\`llmbatch budget\`), a new day or month, or a cancel.
   */
  const reserve = async (strike: number, mode: 'batch' | 'sync'): Promise<string> => {
    let recheckMs = Math.max(1, spec.poll.initialMs);
    for (;;) {
      const decision = await books.reserveSpend.executeWithOptions(
        { ...bookkeepingProfile, summary: `reserve the budget for ${label} strike ${strike}` },
        [{ runId, chunk, strike, spec, mode, maxUsd }],
      );
      if (decision.ok) {
        if (phase === 'paused:budget') enter('submitting');
        await tellBudget(decision.zone, decision.message ?? '');
        return decision.model;
      }
      enter('paused:budget');
      await tellBudget('red', decision.message);
      budgetChanged = false;
      // A raise or a settled chunk wakes it at once; other runs' spend and a new day are looked at
      // on a timer that backs off to an hour, so a long wait adds few events.
      await condition(() => budgetChanged, recheckMs);
      recheckMs = Math.min(recheckMs * 2, BUDGET_RECHECK_MS);
    }
  };
  const settle = (strike: number, model: string) =>
    books.settleSpend.executeWithOptions(
      { ...bookkeepingProfile, summary: `settle the spend of ${label} strike ${strike}` },
      [{ runId, chunk, strike, model }],
    );

  /** Runs a step; while the provider refuses the key, waits and probes again. */
  const withAuthWait = async <T>(step: () => Promise<T>): Promise<T> => {
    let waitedMs = 0;
    let resume: ChunkPhase | undefined;
    for (;;) {
      try {
        const result = await step();
        if (resume) {
          enter(resume);
          await tellParent(false, '');
          log.info('the provider accepts the key again', { chunk, waitedMs });
        }
        return result;
      } catch (error) {
        if (!isAuthFailure(error)) throw error;
        if (waitedMs >= spec.retry.authTimeoutMs) {
          throw ApplicationFailure.nonRetryable(
            `the provider refused the API key for ${Math.round(waitedMs / 1000)} s (retry.authTimeout): ${error.cause?.message}`,
            'auth',
          );
        }
        if (!resume) {
          resume = phase;
          enter('waiting:auth');
          await tellParent(true, error.cause?.message ?? 'authentication failed');
          await alert('auth', `${label} waits: ${error.cause?.message}; fix the key in the worker environment`);
        }
        // A cheap look every retry.authProbe, so the phase clears as soon as the provider answers
        // again, not at the end of a doubling sleep nor of the step that met the refusal.
        const since = Date.now();
        const wait = proxyActivities<Activities>(keyWaitProfile(spec.retry, spec.retry.authTimeoutMs - waitedMs));
        await wait.waitForKey({ spec }).catch((waitError: unknown) => {
          // Out of time: a timeout, or the last "refused" when the next look would come after the bound.
          const outOfTime =
            waitError instanceof ActivityFailure &&
            (waitError.cause instanceof TimeoutFailure ||
              waitError.retryState === 'TIMEOUT' ||
              waitError.retryState === 'MAXIMUM_ATTEMPTS_REACHED');
          if (!outOfTime) throw waitError;
        });
        waitedMs += Date.now() - since;
        if (waitedMs >= spec.retry.authTimeoutMs) continue; // the step's refusal ends the chunk
        enter(resume);
        resume = undefined;
        await tellParent(false, '');
        log.info('the provider accepts the key again', { chunk, waitedMs });
        continue;
      }
    }
  };

  /** Batches a webhook said have ended (newest last). A chunk waits on one batch at a time: a few will do. */
  const ended: string[] = [];
  setHandler(batchEndedSignal, ({ batchId }) => {
    if (ended.includes(batchId)) return; // a repeated delivery
    ended.push(batchId);
    if (ended.length > 4) ended.shift();
  });

  /**
   * Polls a batch until it ends, or until a webhook says it ended: then the poll (most likely sitting
   * in its retry backoff, which may be minutes) is cancelled and the batch looked at right away, in
   * the workflow task that took the signal (webhookLookProfile); should the provider not agree yet,
   * the chunk polls again. Without webhooks nothing changes: polling is the fallback. The polls
   * give up after `windowMs` (the activity's schedule-to-close). With `alarm`, if the batch is still
   * unfinished after poll.alertAfter, alerts once and keeps waiting.
   */
  const watchBatch = async (strike: number, batchId: string, windowMs: number, alarm: boolean): Promise<Batch> => {
    const look = (summary: string) =>
      poll.pollBatch.executeWithOptions({ ...pollProfile(spec.poll, windowMs), summary }, [
        { runId, chunk, strike, batchId, spec },
      ]);
    const watch = new CancellationScope();
    // Told already (the webhook came before the submit's result reached the chunk): one look will do.
    const polling = ended.includes(batchId)
      ? undefined
      : watch.run(() => look(`wait for batch ${batchId} (${label}, strike ${strike})`));
    const told = watch.run(() => condition(() => ended.includes(batchId)));
    // Both are cancelled once the wait is over; their rejections then are expected, not errors.
    void polling?.catch(() => undefined);
    void told.catch(() => undefined);
    const timer = new CancellationScope();
    let alerted: Promise<void> | undefined;
    const ringing = !alarm
      ? Promise.resolve()
      : timer
          .run(() =>
            sleep(spec.poll.alertAfterMs, {
              summary: `overdue alarm: batch ${batchId} after ${readable(spec.poll.alertAfterMs)}`,
            }),
          )
          .then(
            () => {
              upsertSearchAttributes([{ key: LlmPhase, value: 'alert:batch-overdue' }]);
              const message = `batch ${batchId} of ${label} (strike ${strike}) is unfinished after ${spec.poll.alertAfterMs} ms`;
              // Not in the alarm's scope: the wait may end (and cancel that scope) while the alert is on its way.
              alerted = CancellationScope.nonCancellable(() => alert('batch-overdue', message, { strike, batchId }));
            },
            () => undefined,
          );
    try {
      const polled = polling && (await Promise.race([polling, told]));
      if (polled) return polled;
      watch.cancel();
      try {
        return await lookNow.pollBatch({ runId, chunk, strike, batchId, spec });
      } catch (error) {
        if (isCancellation(error)) throw error;
        return await look(`wait for batch ${batchId} (${label}, strike ${strike}): a webhook says it ended`);
      }
    } finally {
      watch.cancel();
      timer.cancel();
      await ringing;
      await alerted;
    }
  };

  /**
   * Before a batch is submitted: a slot among the batches the provider and model have in flight
   * across every run (limits.concurrentBatches, limits.enqueuedTokens). Without room the chunk waits
   * (phase waiting:capacity) rather than have the provider refuse the batch.
   */
  const takeSlot = async (strike: number, model: string) => {
    const args = { runId, chunk, strike, spec, model };
    const first = await books.takeBatchSlot.executeWithOptions(
      { ...bookkeepingProfile, summary: `take a batch slot for ${label} strike ${strike} (${model})` },
      [args],
    );
    if (first.taken) return;
    const resume = phase;
    enter('waiting:capacity');
    await orFailOver(strike, (bounded) =>
      capacity.awaitBatchSlot.executeWithOptions(
        {
          ...capacityWaitProfile(spec.poll),
          ...(bounded.scheduleToCloseTimeout ? { scheduleToCloseTimeout: bounded.scheduleToCloseTimeout } : {}),
          summary: `wait for room: ${first.inFlight} batches of ${model} in flight (limits.concurrentBatches ${spec.limits.concurrentBatches})`,
        },
        [args],
      ),
    );
    enter(resume);
  };

  /**
   * Runs a step that needs the provider to take the chunk's batch (room for it, its create). With
   * failover entries left, the step is bounded by retry.failoverAfter; past it (the provider down
   * or out of capacity all that time) the chunk moves to the next entry, unless a create may have
   * reached the provider unanswered: then it stays, as a second provider could bill its items again.
   */
  const orFailOver = async <T>(
    strike: number,
    step: (bounded: { scheduleToCloseTimeout?: number; createBefore?: number }) => Promise<T>,
  ): Promise<T> => {
    if (failovers.length === 0) return step({});
    try {
      const bound = spec.retry.failoverAfterMs;
      // A create is not started in the bound's last stretch (a quarter, at most 5 min): one that
      // finished after the chunk moved on would be answered and billed by two providers.
      const createBefore = Date.now() + bound - Math.min(bound / 4, 5 * 60_000);
      return await step({ scheduleToCloseTimeout: bound, createBefore });
    } catch (error) {
      // Out of time: a timeout, or the last of the retryable failures (Temporal ends an activity with
      // its last failure when the next retry would come after the deadline).
      const outOfTime =
        error instanceof ActivityFailure &&
        (error.cause instanceof TimeoutFailure ||
          (error.cause instanceof ApplicationFailure && !error.cause.nonRetryable && error.cause.type !== 'auth'));
      if (!outOfTime) throw error;
      const verdict = await books.prepareFailover.executeWithOptions(
        { ...bookkeepingProfile, summary: `free ${label} strike ${strike} to move to another provider` },
        [{ runId, chunk, strike }],
      );
      if (!verdict.ok) {
        log.warn('the provider has not taken the batch, but the chunk stays on it', {
          chunk,
          strike,
          reason: verdict.reason,
        });
        failovers.length = 0; // for good: the uncertain create is this provider's
        return step({});
      }
      await failOver(
        strike,
        `its provider did not take strike ${strike}'s batch within retry.failoverAfter (${formatDuration(spec.retry.failoverAfterMs)})`,
      );
      throw new FailedOver();
    }
  };
  /** Moves the chunk to the next failover entry, and says why. */
  const failOver = async (strike: number, why: string) => {
    const from = `${spec.provider}/${spec.model}`;
    spec = failoverSpec(spec, failovers.shift()!);
    upsertSearchAttributes([
      { key: LlmProvider, value: spec.provider },
      { key: LlmModel, value: spec.model },
    ]);
    await alert('failover', `${label} moves from ${from} to ${spec.provider}/${spec.model} (${spec.mode}): ${why}`, {
      strike,
      from,
      to: `${spec.provider}/${spec.model}`,
    });
  };
  const releaseSlot = (strike?: number) =>
    books.releaseBatchSlot.executeWithOptions(
      { ...bookkeepingProfile, summary: `give back ${label}'s batch slot${strike ? ` (strike ${strike})` : 's'}` },
      [{ runId, chunk, strike }],
    );

  /**
   * The stalled-batch watchdog: at poll.startDeadline (`leftMs` from now) a look at the batch;
   * answers NOT_STARTED if the provider has not taken it up, else never (the wait goes on). A look
   * that fails (the provider down for a moment, its circuit open) is no reason to cancel, nor to give
   * up watching: one failed look used to leave a stalled batch waited on until poll.deadline, a day
   * by default, which is the stall this watchdog is for. So it looks again every poll.max until a
   * look answers.
   */
  const watchStart = async (strike: number, batchId: string, leftMs: number): Promise<typeof NOT_STARTED> => {
    if (leftMs > 0)
      await sleep(leftMs, {
        summary: `start deadline of batch ${batchId} (${label}, strike ${strike}): ${startDeadline} after its submission`,
      });
    for (;;) {
      const now = await lookNow.lookAtBatch({ runId, chunk, strike, batchId, spec }).catch((error: unknown) => {
        if (isCancellation(error)) throw error;
        log.warn('could not look at the batch at its start deadline; looking again', {
          chunk,
          batchId,
          error: String(error),
        });
        return undefined;
      });
      if (now) {
        if (!hasStarted(now)) return NOT_STARTED;
        break;
      }
      await sleep(Math.max(spec.poll.maxMs, spec.poll.initialMs), {
        summary: `look again whether batch ${batchId} (${label}, strike ${strike}) has started`,
      });
    }
    await condition(() => false); // only a cancel of the wait ends this
    return NOT_STARTED;
  };

  /**
   * Waits for a batch until it ends or its deadline passes, whichever comes first, and (when
   * poll.startDeadline comes before the deadline) stops waiting for one the provider has not started
   * by then. `deadlineAt` and `startDeadlineAt` are workflow time (the submission's, plus
   * poll.deadline and poll.startDeadline) and each a durable timer, so a worker restart or a replay
   * measures the same deadlines, and no worker's clock is trusted.
   */
  const waitForBatch = async (
    strike: number,
    batchId: string,
    deadlineAt: number,
    startDeadlineAt: number,
  ): Promise<Batch | typeof PAST_DEADLINE | typeof NOT_STARTED> => {
    const leftMs = deadlineAt - Date.now();
    if (leftMs <= 0) return PAST_DEADLINE;
    const scope = new CancellationScope();
    const watching = scope.run(() => watchBatch(strike, batchId, leftMs + POLL_SLACK_MS, true));
    const timer = scope
      .run(() =>
        sleep(leftMs, {
          summary: `deadline of batch ${batchId} (${label}, strike ${strike}): ${deadline} after its submission`,
        }),
      )
      .then((): typeof PAST_DEADLINE => PAST_DEADLINE);
    const racers: Promise<Batch | typeof PAST_DEADLINE | typeof NOT_STARTED>[] = [watching, timer];
    if (startDeadlineAt < deadlineAt)
      racers.push(scope.run(() => watchStart(strike, batchId, startDeadlineAt - Date.now())));
    // Whichever loses is cancelled; its rejection then is expected, not an error.
    for (const racer of racers) void racer.catch(() => undefined);
    try {
      return await Promise.race(racers);
    } finally {
      scope.cancel();
      // The watch ends first (its overdue alarm, an alert on its way), so nothing outlives the wait.
      await watching.catch(() => undefined);
    }
  };

  /**
   * The batch outlived poll.deadline (Azure's Global Batch, for one, does not expire a batch at
   * 24 h): cancel it and wait, at most poll.cancelWait, for it to end. Collect then keeps what it
   * answered, once, and fails the rest retryably with the deadline as the reason: they go on to the
   * next strike. A cancel that never ends fails the chunk (its items dead-lettered as
   * chunk_failed) rather than submit them again while the old batch might still answer and bill them.
   */
  const stopBatch = async (strike: number, batchId: string, reason: StopReason): Promise<Batch> => {
    const stalled = reason === 'stalled';
    enter(stalled ? 'cancelling:stalled' : 'cancelling:deadline');
    const cancelled = await withAuthWait(() =>
      calls.cancelBatch.executeWithOptions(
        {
          ...callProfile,
          summary: `cancel batch ${batchId} (${label}, strike ${strike}): ${stalled ? `not started by its start deadline (${startDeadline})` : `past its deadline (${deadline})`}`,
        },
        [{ runId, chunk, strike, batchId, spec, reason }],
      ),
    );
    const provider = stalled && failovers.length > 0 ? ` at ${failovers[0].provider}` : '';
    const next = strike === 1 ? `strike 2 (a new batch${provider})` : 'strike 3 (sync calls)';
    const what = stalled
      ? `had not started after poll.startDeadline (${startDeadline})`
      : `was unfinished after poll.deadline (${deadline})`;
    await alert(
      stalled ? 'batch-stalled' : 'batch-deadline',
      `batch ${batchId} of ${label} (strike ${strike}) ${what}: ${cancelled.status === 'cancelling' || cancelled.status === 'cancelled' ? 'cancelled; what it answered is kept, the rest goes on to ' + next : `it ended ${cancelled.status} meanwhile and is collected as it is`}`,
      { strike, batchId, status: cancelled.status },
    );
    try {
      return await withAuthWait(() => watchBatch(strike, batchId, spec.poll.cancelWaitMs, false));
    } catch (error) {
      // Out of time: a timeout, or (Temporal ends the activity with its last failure when the next
      // look would come after the bound) the last "not ready", ended by the bound or the count of looks.
      const outOfTime =
        error instanceof ActivityFailure &&
        (error.cause instanceof TimeoutFailure ||
          error.retryState === 'TIMEOUT' ||
          error.retryState === 'MAXIMUM_ATTEMPTS_REACHED');
      if (!outOfTime) throw error;
      throw ApplicationFailure.nonRetryable(
        `batch ${batchId} was cancelled at its ${stalled ? `start deadline (${startDeadline})` : `deadline (${deadline})`} but did not end within poll.cancelWait (${formatDuration(spec.poll.cancelWaitMs)}): its items are dead-lettered rather than risk paying for them twice`,
        'BatchCancelTimeout',
      );
    }
  };

  /**
   * One batch strike. A batch that failed as a whole (the provider answered none of it) is a
   * batch-level failure, not the items': it is submitted again for the same strike, up to
   * retry.failedBatchResubmits times, before its items move on to the next strike. The reservation
   * stands for the resubmission (a failed batch bills nothing).
   */
  const batchStrike = async (strike: 1 | 2, pending: number): Promise<void> => {
    for (;;) {
      // A chunk that failed over to a sync entry calls what is left through the sync lane.
      if (spec.mode === 'sync') return syncRound(strike, pending);
      // Below the provider's record minimum (Bedrock's 100) a batch would be refused: the sync lane
      // answers these few instead. Runs started before the limit existed carry none, and replay as before.
      if (pending < (spec.limits.batchMinRecords ?? 0)) return syncRound(strike, pending);
      try {
        return await batchStrikeHere(strike, pending);
      } catch (error) {
        if (!(error instanceof FailedOver)) throw error;
      }
    }
  };

  /** One batch strike on the chunk's current provider. */
  const batchStrikeHere = async (strike: 1 | 2, pending: number) => {
    await unlessPaused();
    enter('submitting');
    const model = await reserve(strike, 'batch');
    await takeSlot(strike, model);
    for (let attempt = 1; ; attempt++) {
      const submitted = await withAuthWait(() =>
        orFailOver(strike, (bounded) =>
          calls.submitBatch.executeWithOptions(
            {
              ...callProfile,
              ...(bounded.scheduleToCloseTimeout ? { scheduleToCloseTimeout: bounded.scheduleToCloseTimeout } : {}),
              summary: `submit ${label} strike ${strike}${attempt > 1 ? ` again (attempt ${attempt})` : ''} (${pending} requests, ${model} at ${spec.provider})`,
            },
            [{ runId, chunk, strike, spec, model, attempt, createBefore: bounded.createBefore }],
          ),
        ),
      );
      if (!submitted.batchId) {
        await releaseSlot(strike); // nothing was pending after all: no batch holds the room
        return;
      }
      const batchId = submitted.batchId;
      batches++;
      inFlight = { strike, batchId, model };
      enter('waiting');
      // Measured from here, in workflow time: the batch exists now (submit looks for it by key first).
      const deadlineAt = Date.now() + spec.poll.deadlineMs;
      const startDeadlineAt = Date.now() + spec.poll.startDeadlineMs;
      const waited = await withAuthWait(() => waitForBatch(strike, batchId, deadlineAt, startDeadlineAt));
      const stopped: StopReason | undefined =
        waited === PAST_DEADLINE ? 'deadline' : waited === NOT_STARTED ? 'stalled' : undefined;
      const batch = stopped ? await stopBatch(strike, batchId, stopped) : (waited as Batch);
      if (batch.status === 'failed' && batch.counts.completed === 0 && attempt <= spec.retry.failedBatchResubmits) {
        inFlight = undefined;
        log.warn('the batch failed as a whole: submitting it again for the same strike', {
          chunk,
          strike,
          batchId,
          attempt,
          errors: batch.errors.slice(0, 3),
        });
        const waitMs = spec.retry.strike2DelayMs * attempt;
        enter('backing-off');
        if (waitMs > 0)
          await sleep(waitMs, { summary: `batch ${batchId} failed: submit it again in ${readable(waitMs)}` });
        await unlessPaused();
        enter('submitting');
        continue;
      }
      enter('collecting');
      await withAuthWait(() =>
        collecting.collectBatch.executeWithOptions(
          {
            ...collectCallProfile,
            summary: `collect ${stopped ? `what it answered before its ${stopped === 'stalled' ? 'start deadline' : 'deadline'}: ` : ''}batch ${batchId} (${label}, strike ${strike})`,
          },
          [
            {
              runId,
              chunk,
              strike,
              batch,
              spec,
              model,
              ...(stopped === 'deadline' ? { stopReason: `batch deadline (${deadline}) passed` } : {}),
              ...(stopped === 'stalled'
                ? { stopReason: `batch not started within poll.startDeadline (${startDeadline})` }
                : {}),
            },
          ],
        ),
      );
      inFlight = undefined;
      await releaseSlot(strike);
      await settle(strike, model);
      // A provider that did not start the batch is not given the next strike when another is there.
      if (stopped === 'stalled' && failovers.length > 0)
        await failOver(strike, `its batch ${batchId} had not started after poll.startDeadline (${startDeadline})`);
      return;
    }
  };

  const syncRound = async (strike: number, pending: number) => {
    await unlessPaused();
    const model = await reserve(strike, 'sync');
    enter('calling-sync');
    try {
      await withAuthWait(() =>
        syncCalls.syncStrike.executeWithOptions(
          { ...syncRoundProfile, summary: `sync calls for ${label} strike ${strike} (${pending} requests, ${model})` },
          [{ runId, chunk, strike, spec, model }],
        ),
      );
    } finally {
      await CancellationScope.nonCancellable(() => settle(strike, model));
    }
  };

  const pendingCount = () =>
    books.countPending.executeWithOptions({ ...bookkeepingProfile, summary: `count what ${label} still needs` }, [
      { runId, chunk },
    ]);

  const backOff = async (ms: number, strike: number) => {
    enter('backing-off');
    if (ms > 0) await sleep(ms, { summary: `wait ${readable(ms)} before strike ${strike}` });
  };

  const strikes = async () => {
    if (spec.mode === 'sync') {
      // Sync mode: every strike is a round of sync calls, with the same waits between strikes.
      for (const strike of [1, 2, 3]) {
        const pending = await pendingCount();
        if (pending === 0) break;
        if (strike > 1) await backOff(strike === 2 ? spec.retry.strike2DelayMs : spec.retry.strike3DelayMs, strike);
        await syncRound(strike, pending);
      }
      return;
    }
    await batchStrike(1, await pendingCount());
    let pending = await pendingCount();
    if (pending > 0) {
      await backOff(spec.retry.strike2DelayMs, 2);
      await batchStrike(2, pending);
      pending = await pendingCount();
    }
    if (pending > 0) {
      await backOff(spec.retry.strike3DelayMs, 3);
      await syncRound(3, pending);
    }
  };

  const finish = async (): Promise<ChunkOutcome> => {
    const outcome = await books.tallyChunk.executeWithOptions({ ...bookkeepingProfile, summary: `tally ${label}` }, [
      { runId, chunk, batches },
    ]);
    upsertSearchAttributes([
      { key: LlmItemsTotal, value: outcome.requests },
      { key: LlmItemsDone, value: outcome.succeeded },
      { key: LlmItemsFailed, value: outcome.deadLettered },
      { key: LlmCostUsd, value: Math.round(outcome.costUsd * 1e6) / 1e6 },
    ]);
    return outcome;
  };

  try {
    await strikes();
  } catch (error) {
    if (!isCancellation(error)) {
      // Failing for good: the room this chunk held among the provider's batches goes back now, not
      // at finalize, or the run's other chunks could wait for it for ever.
      await releaseSlot().catch((e: unknown) => log.warn('could not give back the batch slots', { error: String(e) }));
      throw error;
    }
    // Cancelled (the run was): stop the provider batch, keep what it answered, end the rest.
    await CancellationScope.nonCancellable(async () => {
      enter('cancelling');
      if (inFlight) {
        const { strike, batchId, model } = inFlight;
        await calls.cancelBatch.executeWithOptions(
          { ...callProfile, summary: `cancel batch ${batchId} (${label}, strike ${strike})` },
          [{ runId, chunk, strike, batchId, spec }],
        );
        // Bounded: a cancel that never ends fails the chunk instead of holding the run for ever.
        const batch = await watchBatch(strike, batchId, spec.poll.cancelWaitMs, false);
        await collecting.collectBatch.executeWithOptions(
          { ...collectCallProfile, summary: `collect cancelled batch ${batchId} (${label})` },
          [{ runId, chunk, strike, batch, spec, model }],
        );
        await settle(strike, model);
      }
      await releaseSlot();
      await io.failChunk({ runId, chunk, kind: 'cancelled', error: 'the run was cancelled' });
      await finish();
      enter('cancelled');
    });
    throw error;
  }
  const outcome = await finish();
  enter('done');
  return outcome;
}
