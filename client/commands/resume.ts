// `llmbatch resume RUN_ID`: a paused run submits again. Prints the run's phase once it shows it.
import { Command } from 'commander';
import { signalRun } from '../signal-run';

export function resumeCommand(): Command {
  return new Command('resume')
    .description('resume a paused run')
    .argument('<runId>')
    .option('--json', 'print one JSON object')
    .action((runId: string, options: { json?: boolean }) => signalRun(runId, 'resume', options));
}
