// `llmbatch status RUN_ID [--json]`: the run's progress, whether it is paused, its failed chunks
// and the phase of each running chunk.
import { Command } from 'commander';
import { usd, type RunProgress } from '../../common';
import { chunkPhaseQuery, chunkWorkflowId, progressQuery } from '../../workflows';
import { unreadableAnswer } from '../query-problem';
import { connectClient, describeRun, webUiLink } from '../temporal-client';
import { waitTimeoutOf } from '../command-options';
import { Reachability, rideOut, type RideOutOptions } from '../ride-out';

/** The caps next to the spend: ` (budget: maxUsd $5.00, dailyUsd $200.00)`. */
function budgetText(p: RunProgress): string {
  const caps = [
    p.budget?.maxUsd !== undefined ? `maxUsd ${usd(p.budget.maxUsd)}` : '',
    p.budget?.dailyUsd !== undefined ? `dailyUsd ${usd(p.budget.dailyUsd)}` : '',
    p.budget?.monthlyUsd !== undefined ? `monthlyUsd ${usd(p.budget.monthlyUsd)}` : '',
  ].filter(Boolean);
  return caps.length ? ` (budget: ${caps.join(', ')})` : '';
}

export function statusCommand(): Command {
  return new Command('status')
    .description(
      'show a run: items, results, dead letters, rejected lines, spend, paused or not, failed chunks, phase per running chunk',
    )
    .argument('<runId>')
    .option('--json', 'print one JSON object')
    .option(
      '--wait-timeout <duration>',
      'while Temporal is unreachable, retry this long (e.g. 30s, 5m), also when it is away at the first call, then exit 124 (default: a Temporal that never answered is reported at once, one that goes away is waited for)',
    )
    .action(async (runId: string, options: { json?: boolean; waitTimeout?: string }) => {
      const waitTimeout = waitTimeoutOf(options.waitTimeout);
      // With --wait-timeout, a server away at the first call is ridden out like one that goes away
      // later (a restart); without it, a server that never answered is said at once (a typo, a
      // server down), and one that goes away during the call is ridden out.
      const { client, close, address } = await connectClient({ lazy: waitTimeout !== undefined });
      const ride: RideOutOptions = {
        reach: new Reachability(address, (line) => process.stderr.write(`${line}\n`)),
        runId,
        deadlineAt: waitTimeout ? Date.now() + waitTimeout.ms : undefined,
        timeout: waitTimeout?.text,
        onlyUnreachable: true,
        holdProcess: true,
      };
      try {
        const description = await describeRun(client, runId, address, ride);
        const handle = client.workflow.getHandle(runId);
        let progress: RunProgress | undefined;
        let unreadable: string | undefined;
        try {
          progress = await rideOut(() => handle.query(progressQuery), ride);
        } catch (error) {
          // An answer this process cannot decrypt; else no worker to answer: what Temporal itself knows.
          unreadable = unreadableAnswer(error);
        }
        const chunkPhases: Record<string, string> = {};
        for (const chunk of progress?.chunks.running ?? []) {
          chunkPhases[chunk] = await client.workflow
            .getHandle(chunkWorkflowId(runId, chunk, progress?.chunks.total))
            .query(chunkPhaseQuery)
            .catch(() => 'unknown');
        }
        const status = {
          runId,
          workflowStatus: description.status.name,
          paused: progress?.paused,
          chunksFailed: progress?.chunks.failed,
          progress,
          chunkPhases,
          ...(unreadable ? { progressError: unreadable } : {}),
          webUi: webUiLink(runId, address),
        };
        if (options.json) {
          console.log(JSON.stringify(status));
          return;
        }
        console.log(`run ${runId}: ${description.status.name}`);
        if (progress) {
          const p = progress;
          const paused = p.paused ? ' (paused; `llmbatch resume` continues)' : '';
          console.log(`  phase ${p.phase}${paused}`);
          if (p.phase === 'waiting:files') {
            console.log(
              `  waiting for a worker on files queue "${p.filesQueue}": start \`llmbatch worker --files-queue ${p.filesQueue}\` on the machine that has ${p.outputDir}`,
            );
          } else if (p.phase === 'finalize-failed') {
            console.log(
              `  finalize failed: ${p.finalizeProblem ?? 'unknown'}; the answers are kept in the store and the run waits (retried with backoff): \`llmbatch finalize ${runId} [--output DIR]\` writes them now`,
            );
          } else if (p.filesQueue) {
            console.log(`  files queue "${p.filesQueue}" (plan and finalize)`);
          }
          console.log(`  chunks ${p.chunks.done}/${p.chunks.total} done, ${p.chunks.failed} failed for good`);
          console.log(
            `  items ${p.items}: answered ${p.succeeded}, failed ${p.deadLettered}, rejected ${p.rejected}, duplicates ${p.duplicates}`,
          );
          console.log(`  spend $${p.costUsd.toFixed(4)}${budgetText(p)}`);
          if (p.budget?.waiting.length) {
            console.log(
              `  out of budget: ${p.budget.reason ?? ''}; raise it with \`llmbatch budget ${runId} --max-usd N\``,
            );
          }
          if (p.budget?.downgradedTo)
            console.log(`  budget yellow: the rest of the run goes to ${p.budget.downgradedTo}`);
          for (const [chunk, phase] of Object.entries(chunkPhases)) console.log(`  chunk ${chunk}: ${phase}`);
          if (p.fatal) console.log(`  stopping: ${p.fatal}`);
        } else if (unreadable) {
          console.log(`  (progress unreadable: ${unreadable})`);
        } else {
          console.log('  (no worker answered the progress query; start one with `llmbatch worker`)');
        }
        console.log(`  Web UI ${status.webUi}`);
      } finally {
        await close();
      }
    });
}
