// What the steps of one execution of the parent share, as one typed object: the input as read, the
// state that continue-as-new carries, and what lives only in this execution (the window's sets,
// the waits that chunks report, where finalize writes). Built once at the start of the workflow.
import { workflowInfo } from '@temporalio/workflow';
import type { PlanSummary, RunPhase, RunReport, RunState, RunWorkflowInput } from '../../common';
import { EMPTY_TALLY, type ResolvedSpec } from '../../common';

/** A budget alert raised by a chunk's signal, sent from the window (a handler cannot wait for an activity). */
export interface BudgetAlert {
  kind: 'budget-yellow' | 'budget-red';
  message: string;
}

/** The chunks of the window, by what the run knows of them. */
export interface ChunkWindow {
  /**
   * Chunks in the window: a slot is taken before the child starts, and given back once the chunk's
   * end is counted. Those inherited from the run before are running (started) already.
   */
  readonly running: Set<number>;
  /** Chunks of the window whose workflow exists, so that signals can reach them. */
  readonly started: Set<number>;
  /** Chunks started by an earlier run of this workflow: no child handle here, no cancel by scope. */
  readonly inherited: Set<number>;
  /** Chunks whose end was heard (by signal or child result): a second word of the same end is ignored. */
  readonly ending: Set<number>;
  /** Ends being recorded (a failed chunk's dead letters, a cancelled chunk's tally): waited for before continue-as-new. */
  readonly settling: Set<Promise<void>>;
}

export interface Run {
  readonly input: RunWorkflowInput;
  /** The workflow id: a Schedule or `temporal workflow start` starts a proper run. */
  readonly runId: string;
  /** The spec, its output folder per run when the input asks for it. */
  readonly spec: ResolvedSpec;
  /** What continue-as-new carries to the next run (counters, the plan, the controls' state). */
  readonly state: RunState;
  phase: RunPhase;
  /** The report, once finalize wrote it (read by the report query and publish). */
  report?: RunReport;
  /** The run, or one of its chunks, was cancelled. */
  cancelled: boolean;
  readonly chunks: ChunkWindow;
  /** Chunks that wait for a refused API key to work again, with the reason. */
  readonly waitingForAuth: Map<number, string>;
  /** Chunks that wait for budget (their reservation did not fit a cap), with the reason. */
  readonly waitingForBudget: Map<number, string>;
  /** The model the rest of the run goes to once the budget went yellow. */
  downgradedTo?: string;
  /** Where finalize writes (`llmbatch finalize --output` may move it), why it last failed, and whether it was asked to try now. */
  readonly writeTo: { dir: string; problem?: string; asked: boolean };
  /** Budget alerts to send, from signal handlers (which cannot wait for an activity). */
  readonly budgetAlerts: BudgetAlert[];
}

/** The run as this execution starts it: fresh, or as the run before carried it over. */
export function openRun(input: RunWorkflowInput): Run {
  const runId = workflowInfo().workflowId;
  const spec = input.outputPerRun ? { ...input.spec, outputDir: `${input.spec.outputDir}/${runId}` } : input.spec;
  const state: RunState = input.state ?? { startedAtMs: Date.now(), nextChunk: 0, chunksDone: 0, tally: EMPTY_TALLY };
  const running = new Set<number>(state.inFlight ?? []);
  const entries = (record?: Record<string, string>) =>
    Object.entries(record ?? {})
      .map(([chunk, reason]) => [Number(chunk), reason] as const)
      .filter(([chunk]) => running.has(chunk));
  return {
    input,
    runId,
    spec,
    state,
    phase: state.plan ? 'running' : 'planning',
    cancelled: false,
    chunks: {
      running,
      started: new Set<number>(state.inFlight ?? []),
      inherited: new Set<number>(state.inFlight ?? []),
      ending: new Set<number>(),
      settling: new Set<Promise<void>>(),
    },
    waitingForAuth: new Map<number, string>(entries(state.waitingForAuth)),
    waitingForBudget: new Map<number, string>(entries(state.waitingForBudget)),
    downgradedTo: state.downgradedTo,
    writeTo: { dir: spec.outputDir, asked: false },
    budgetAlerts: [...(state.budgetAlerts ?? [])],
  };
}

/** The run's budget cap: as `llmbatch budget` left it, else the spec's. */
export function maxUsdOf(run: Run): number | undefined {
  return run.state.maxUsd ?? run.spec.budget?.maxUsd;
}

/** More chunks to start after this run's share: this run continues as new, its window still full. */
export function continuing(run: Run, plan: PlanSummary): boolean {
  return !run.cancelled && !run.state.fatal && run.state.nextChunk < plan.chunks;
}

/** `RUN/chunk-007`: zero-padded to the run's chunk count (three digits at least), so ids sort. */
export function chunkWorkflowId(runId: string, chunk: number, chunks = 0): string {
  const width = Math.max(3, String(Math.max(0, chunks - 1)).length);
  return `${runId}/chunk-${String(chunk).padStart(width, '0')}`;
}
