// `llmbatch pause RUN_ID`: no new chunk, no new provider batch or sync round; what is in flight
// finishes and is collected. Prints the run's phase once the run shows it (`paused`).
import { Command } from 'commander';
import { signalRun } from '../signal-run';

export function pauseCommand(): Command {
  return new Command('pause')
    .description('pause a run: nothing new is submitted, in-flight batches finish and are collected (phase paused)')
    .argument('<runId>')
    .option('--json', 'print one JSON object')
    .action((runId: string, options: { json?: boolean }) => signalRun(runId, 'pause', options));
}
