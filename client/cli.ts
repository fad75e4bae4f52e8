// The llmbatch CLI (commander). One command per file under client/commands/. Errors end as one
// line on stderr and a non-zero exit code.
import { Command } from 'commander';
import { ZodError } from 'zod';
import { budgetCommand } from './commands/budget';
import { cancelCommand } from './commands/cancel';
import { clusterCommand } from './commands/cluster';
import { codecServerCommand } from './commands/codec-server';
import { devCommand } from './commands/dev';
import { dlqCommand } from './commands/dlq';
import { estimateCommand } from './commands/estimate';
import { pauseCommand } from './commands/pause';
import { reportCommand } from './commands/report';
import { resumeCommand } from './commands/resume';
import { runCommand } from './commands/run';
import { runsCommand } from './commands/runs';
import { scheduleCommand } from './commands/schedule';
import { simulatorCommand } from './commands/simulator';
import { statusCommand } from './commands/status';
import { storeCommand } from './commands/store';
import { finalizeCommand } from './commands/finalize';
import { waitCommand } from './commands/wait';
import { workerCommand } from './commands/worker';
import { processConfig } from '../workers/settings';
import { WaitTimeout } from './ride-out';

// The AWS SDK warns once per process, on stderr, that its releases after January 2027 will need
// Node 22: news for whoever upgrades the pinned SDK, and noise under a one-line error (s3:// data).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export function buildProgram(): Command {
  return new Command('llmbatch')
    .description('Durable LLM batch runs on Temporal: half price, crash-safe, every item and cent accounted for')
    .version('0.1.0')
    .showHelpAfterError()
    .addCommand(devCommand())
    .addCommand(workerCommand())
    .addCommand(simulatorCommand())
    .addCommand(codecServerCommand())
    .addCommand(runCommand())
    .addCommand(runsCommand())
    .addCommand(statusCommand())
    .addCommand(waitCommand())
    .addCommand(finalizeCommand())
    .addCommand(estimateCommand())
    .addCommand(pauseCommand())
    .addCommand(resumeCommand())
    .addCommand(cancelCommand())
    .addCommand(budgetCommand())
    .addCommand(reportCommand())
    .addCommand(dlqCommand())
    .addCommand(scheduleCommand())
    .addCommand(storeCommand())
    .addCommand(clusterCommand())
    .hook('preAction', checkConfig);
}

/** Every command checks the whole environment first: a bad variable is named before anything connects. */
function checkConfig(): void {
  processConfig();
}

function describeError(error: unknown): string {
  if (error instanceof ZodError) return error.issues.map((i) => i.message).join('; ');
  return error instanceof Error ? error.message : String(error);
}

export async function main(argv: string[]): Promise<void> {
  // `llmbatch status X | head`: the reader left, nothing is wrong; end quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    console.error(`llmbatch: ${describeError(error)}`);
    // As timeout(1) does: the wait ran out, the run did not fail.
    process.exitCode = error instanceof WaitTimeout ? 124 : 1;
  }
}

if (require.main === module) void main(process.argv);
