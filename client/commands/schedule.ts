// `llmbatch schedule create|list|describe|trigger|pause|unpause|delete`: Temporal Schedules of runs.
// A schedule's action starts batchRunWorkflow with the spec resolved at create time and
// `outputPerRun`; Temporal appends the scheduled time to the workflow id NAME, so every run has
// its own id (read by the workflow itself) and writes to `<output.dir>/<run id>/`.
import { Command, Option } from 'commander';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOverlapPolicy,
} from '@temporalio/client';
import { z } from 'zod';
import { parseDuration, type RunWorkflowInput } from '../../common';
import { batchRunWorkflow } from '../../workflows';
import { loadCheckedSpec } from '../input-check';
import { runPresentation } from '../start-run';
import { connectClient, webUiLink } from '../temporal-client';
import { processConfig } from '../../workers/settings';
import { FILES_QUEUE_HELP, filesQueueOption } from '../command-options';
import { resolveFilesQueue, warnIfNoFilesWorker } from '../files-queue';

const OVERLAP = {
  skip: 'SKIP',
  'buffer-one': 'BUFFER_ONE',
  'buffer-all': 'BUFFER_ALL',
  'cancel-other': 'CANCEL_OTHER',
  'terminate-other': 'TERMINATE_OTHER',
  'allow-all': 'ALLOW_ALL',
} as const satisfies Record<string, ScheduleOverlapPolicy>;
type OverlapName = keyof typeof OVERLAP;

const overlapName = (policy: ScheduleOverlapPolicy | undefined): string =>
  (Object.keys(OVERLAP) as OverlapName[]).find((k) => OVERLAP[k] === policy) ?? 'skip';

/** What the schedule was made with, kept in its memo (Temporal stores a cron expression as calendars). */
interface ScheduleMemo {
  when: string;
  specPath: string;
}
const MEMO_KEY = 'llmbatch';

const durationText = (label: string) =>
  z.string().refine(
    (text) => {
      try {
        return parseDuration(text) >= 1000;
      } catch {
        return false;
      }
    },
    { message: `${label}: expected a duration of at least 1s, such as 60s, 5m, 1h or 1d` },
  );

const CreateOptions = z.object({
  cron: z.string().min(1, '--cron: expected a cron expression such as "0 3 * * *"').optional(),
  every: durationText('--every').optional(),
  overlap: z.enum(Object.keys(OVERLAP) as [OverlapName, ...OverlapName[]]).default('skip'),
  catchup: durationText('--catchup').optional(),
  taskQueue: z.string().min(1).optional(),
  filesQueue: filesQueueOption,
});

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$/;

function checkName(name: string): string {
  if (!NAME.test(name)) {
    throw new Error(
      `schedule name "${name}": use 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return name;
}

/** The schedule's page in the Web UI (the same base as a run's link). */
function scheduleLink(name: string, address: string): string {
  return webUiLink(name, address).replace(/\/workflows\/[^/]*$/, `/schedules/${encodeURIComponent(name)}`);
}

/** 3600000 -> "1h", 90000 -> "90s". */
function formatMs(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function whenOf(description: Pick<ScheduleDescription, 'spec' | 'memo'>): string {
  const memo = description.memo?.[MEMO_KEY] as ScheduleMemo | undefined;
  if (memo?.when) return memo.when;
  const every = description.spec.intervals?.[0]?.every;
  if (every) return `every ${formatMs(every)}`;
  return description.spec.calendars?.length ? 'calendar' : 'only when triggered';
}

/** Runs a schedule operation; an unknown schedule is one clear line. */
async function withSchedule<T>(
  client: Client,
  name: string,
  operation: (handle: ScheduleHandle) => Promise<T>,
): Promise<T> {
  try {
    return await operation(client.schedule.getHandle(name));
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new Error(`no schedule named "${name}"`);
    throw error;
  }
}

function createCommand(): Command {
  return new Command('create')
    .description(
      'create a Temporal Schedule that starts a run of SPEC on a cron expression or an interval; each run writes to <output.dir>/<run id>/',
    )
    .argument('<name>', 'schedule name; its runs are named <name>-<scheduled time>')
    .argument('<spec>', 'run spec (YAML), checked and resolved now')
    .option('--cron <expr>', 'cron expression, e.g. "0 3 * * *" (UTC)')
    .option('--every <duration>', 'interval, e.g. 60s, 5m, 1h, 1d')
    .addOption(
      new Option('--overlap <policy>', 'what a run due while the last one is still going does')
        .choices(Object.keys(OVERLAP))
        .default('skip'),
    )
    .option(
      '--catchup <duration>',
      'how late a missed run (Temporal was down) may still start (default: Temporal, 1 year)',
    )
    .option('--task-queue <name>', 'task queue of the workers (default: LLMBATCH_TASK_QUEUE or llmbatch)')
    .option('--files-queue <name>', FILES_QUEUE_HELP)
    .action(async (rawName: string, specPath: string, raw: unknown) => {
      const name = checkName(rawName);
      const options = CreateOptions.parse(raw);
      if (!options.cron === !options.every) {
        throw new Error(
          options.cron
            ? 'schedule create: give --cron or --every, not both'
            : 'schedule create: give when to run: --cron EXPR or --every DURATION',
        );
      }
      const spec = await loadCheckedSpec(specPath);
      const when = options.cron ? `cron "${options.cron}"` : `every ${options.every}`;
      const taskQueue = options.taskQueue ?? processConfig().taskQueue;
      const files = resolveFilesQueue(options.filesQueue, taskQueue);
      const input: RunWorkflowInput = { spec, outputPerRun: true, ...files };
      const { client, close, address } = await connectClient();
      try {
        const handle = await client.schedule
          .create({
            scheduleId: name,
            spec: options.cron
              ? { cronExpressions: [options.cron] }
              : { intervals: [{ every: parseDuration(options.every!) }] },
            action: {
              type: 'startWorkflow',
              workflowType: batchRunWorkflow,
              args: [input],
              // Temporal appends the scheduled time: NAME-2025-06-01T03:00:00Z.
              workflowId: name,
              taskQueue,
              ...runPresentation(
                spec,
                `**Schedule** \`${name}\` (${when}) · **provider** ${spec.provider} · **model** ${spec.model} · **mode** ${spec.mode}`,
                `${spec.outputDir}/<run id>`,
                files.filesQueue,
              ),
            },
            policies: {
              overlap: OVERLAP[options.overlap],
              ...(options.catchup ? { catchupWindow: parseDuration(options.catchup) } : {}),
            },
            memo: { [MEMO_KEY]: { when, specPath: spec.specPath } satisfies ScheduleMemo },
          })
          .catch((error: unknown) => {
            if (error instanceof ScheduleAlreadyRunning) {
              throw new Error(
                `schedule "${name}" already exists (delete it first with \`llmbatch schedule delete ${name}\`)`,
              );
            }
            const message = (error as Error).message;
            // The server checks the cron expression: say which argument it refused.
            if (options.cron && /cron/i.test(message)) throw new Error(`--cron "${options.cron}": ${message}`);
            throw new Error(`cannot create schedule "${name}": ${message}`);
          });
        const next = (await handle.describe()).info.nextActionTimes[0];
        console.log(
          [
            `created schedule ${name}: ${when}, overlap ${options.overlap}${options.catchup ? `, catchup ${options.catchup}` : ''}`,
            `  spec      ${spec.specPath} (${spec.name}, ${spec.provider}/${spec.model})`,
            `  runs      ${name}-<scheduled time>, each writing to ${spec.outputDir}/<run id>/${files.filesQueue ? ` (files queue ${files.filesQueue})` : ''}`,
            `  next run  ${next ? next.toISOString() : 'none'}`,
            `  Web UI    ${scheduleLink(name, address)}`,
          ].join('\n'),
        );
        await warnIfNoFilesWorker(client, files);
      } finally {
        await close();
      }
    });
}

interface RecentRun {
  runId: string;
  scheduledAt: string;
  startedAt: string;
  status: string;
}

async function describeSchedule(client: Client, name: string, address: string) {
  const d = await withSchedule(client, name, (h) => h.describe());
  const input = d.action.args?.[0] as RunWorkflowInput | undefined;
  const recentRuns: RecentRun[] = [];
  for (const action of d.info.recentActions) {
    const runId = action.action.workflow.workflowId;
    const status = await client.workflow
      .getHandle(runId)
      .describe()
      .then(
        (w) => w.status.name as string,
        () => 'unknown',
      );
    recentRuns.push({
      runId,
      scheduledAt: action.scheduledAt.toISOString(),
      startedAt: action.takenAt.toISOString(),
      status,
    });
  }
  return {
    name,
    paused: d.state.paused,
    note: d.state.note,
    when: whenOf(d),
    spec: input?.spec
      ? {
          path: input.spec.specPath,
          name: input.spec.name,
          provider: input.spec.provider,
          model: input.spec.model,
          mode: input.spec.mode,
          input: input.spec.inputPath,
          outputDir: `${input.spec.outputDir}/<run id>`,
          ...(input.filesQueue ? { filesQueue: input.filesQueue } : {}),
        }
      : undefined,
    overlap: overlapName(d.policies.overlap),
    catchupWindowMs: d.policies.catchupWindow,
    taskQueue: d.action.taskQueue,
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns,
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: d.info.numActionsTaken,
    skippedOverlap: d.info.numActionsSkippedOverlap,
    missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
    webUi: scheduleLink(name, address),
  };
}

function formatDescription(s: Awaited<ReturnType<typeof describeSchedule>>): string {
  const lines = [
    `schedule ${s.name}: ${s.paused ? 'paused' : 'active'}${s.note && s.paused ? ` (${s.note})` : ''}`,
    `  when      ${s.when}; overlap ${s.overlap}; catchup ${formatMs(s.catchupWindowMs)}; task queue ${s.taskQueue}`,
  ];
  if (s.spec) {
    lines.push(
      `  spec      ${s.spec.path} (${s.spec.name}, ${s.spec.provider}/${s.spec.model} ${s.spec.mode})`,
      `  output    ${s.spec.outputDir}/${s.spec.filesQueue ? ` (files queue ${s.spec.filesQueue})` : ''}`,
    );
  }
  lines.push(
    `  next runs ${s.nextRuns.length ? s.nextRuns.slice(0, 3).join(', ') : 'none'}`,
    `  runs      ${s.actionsTaken} started, ${s.skippedOverlap} skipped (overlap), ${s.missedCatchupWindow} missed (catchup window)`,
  );
  if (s.recentRuns.length) {
    lines.push('  recent runs:');
    const width = Math.max(...s.recentRuns.map((r) => r.runId.length));
    for (const r of s.recentRuns)
      lines.push(`    ${r.runId.padEnd(width)}  ${r.status.padEnd(10)}  started ${r.startedAt}`);
  }
  lines.push(`  Web UI    ${s.webUi}`);
  return lines.join('\n');
}

function listCommand(): Command {
  return new Command('list')
    .description('the schedules of runs in the namespace')
    .option('--json', 'print one JSON array')
    .action(async (options: { json?: boolean }) => {
      const { client, close } = await connectClient();
      try {
        const rows = [];
        for await (const s of client.schedule.list()) {
          if (s.action?.workflowType !== batchRunWorkflow.name) continue;
          const recent = s.info.recentActions[s.info.recentActions.length - 1];
          rows.push({
            name: s.scheduleId,
            paused: s.state.paused,
            when: s.spec ? whenOf({ spec: s.spec, memo: s.memo }) : 'unknown',
            specPath: (s.memo?.[MEMO_KEY] as ScheduleMemo | undefined)?.specPath,
            nextRun: s.info.nextActionTimes[0]?.toISOString(),
            lastRun: recent?.action.workflow.workflowId,
          });
        }
        rows.sort((a, b) => a.name.localeCompare(b.name));
        if (options.json) {
          console.log(JSON.stringify(rows));
          return;
        }
        if (rows.length === 0) {
          console.log('no schedules (create one with `llmbatch schedule create NAME SPEC --every 1d`)');
          return;
        }
        const width = Math.max(...rows.map((r) => r.name.length));
        for (const r of rows) {
          console.log(
            `${r.name.padEnd(width)}  ${r.paused ? 'paused' : 'active'}  ${r.when}  next ${r.paused ? '-' : (r.nextRun ?? 'none')}  last ${r.lastRun ?? '-'}`,
          );
        }
      } finally {
        await close();
      }
    });
}

function describeCommand(): Command {
  return new Command('describe')
    .description('a schedule: when, spec, overlap, next runs, recent runs with their ids and status, paused or not')
    .argument('<name>')
    .option('--json', 'print one JSON object')
    .action(async (name: string, options: { json?: boolean }) => {
      const { client, close, address } = await connectClient();
      try {
        const description = await describeSchedule(client, name, address);
        console.log(options.json ? JSON.stringify(description) : formatDescription(description));
      } finally {
        await close();
      }
    });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function triggerCommand(): Command {
  return new Command('trigger')
    .description(
      "start a run now, as if it were due: the schedule's overlap policy applies (skip: not while a run is going)",
    )
    .argument('<name>')
    .action(async (name: string) => {
      const { client, close, address } = await connectClient();
      try {
        await withSchedule(client, name, async (handle) => {
          const before = await handle.describe();
          const overlap = before.policies.overlap;
          const known = new Set(before.info.recentActions.map((a) => a.action.workflow.workflowId));
          await handle.trigger(overlap);
          // The schedule acts asynchronously: watch it take (or skip) the action for a few seconds.
          for (let waited = 0; waited < 10_000; waited += 200) {
            await pause(200);
            const now = await handle.describe();
            const started = now.info.recentActions.find((a) => !known.has(a.action.workflow.workflowId));
            if (started) {
              const runId = started.action.workflow.workflowId;
              console.log(`triggered schedule ${name}: started run ${runId}\n  Web UI ${webUiLink(runId, address)}`);
              return;
            }
            if (now.info.numActionsSkippedOverlap > before.info.numActionsSkippedOverlap) {
              const running = before.info.runningActions.map((a) => a.workflow.workflowId).join(', ');
              console.log(
                `triggered schedule ${name}: skipped, run ${running || '(the last one)'} is still going and the overlap policy is skip`,
              );
              return;
            }
          }
          const running = (await handle.describe()).info.runningActions.map((a) => a.workflow.workflowId);
          console.log(
            running.length
              ? `triggered schedule ${name}: the new run waits for run ${running.join(', ')} to end (overlap ${overlapName(overlap)})`
              : `triggered schedule ${name}; no run has started yet (see llmbatch schedule describe ${name})`,
          );
        });
      } finally {
        await close();
      }
    });
}

function simpleCommand(
  verb: 'pause' | 'unpause' | 'delete',
  description: string,
  act: (handle: ScheduleHandle) => Promise<void>,
  done: (name: string) => string,
): Command {
  return new Command(verb)
    .description(description)
    .argument('<name>')
    .action(async (name: string) => {
      const { client, close } = await connectClient();
      try {
        await withSchedule(client, name, act);
        console.log(done(name));
      } finally {
        await close();
      }
    });
}

export function scheduleCommand(): Command {
  return new Command('schedule')
    .description('Temporal Schedules of runs: each scheduled run has its own id and writes to <output.dir>/<run id>/')
    .addCommand(createCommand())
    .addCommand(listCommand())
    .addCommand(describeCommand())
    .addCommand(triggerCommand())
    .addCommand(
      simpleCommand(
        'pause',
        'start no scheduled run until unpause (a run in progress goes on)',
        (h) => h.pause('paused with llmbatch schedule pause'),
        (name) => `paused schedule ${name} (a run in progress goes on; \`llmbatch schedule unpause ${name}\` resumes)`,
      ),
    )
    .addCommand(
      simpleCommand(
        'unpause',
        'start scheduled runs again',
        (h) => h.unpause('unpaused with llmbatch schedule unpause'),
        (name) => `unpaused schedule ${name}`,
      ),
    )
    .addCommand(
      simpleCommand(
        'delete',
        'delete a schedule (runs it started go on)',
        (h) => h.delete(),
        (name) => `deleted schedule ${name} (runs it started go on)`,
      ),
    );
}
