// `llmbatch budget RUN_ID --max-usd N [--json]`: raise or lower a run's cap while it runs; a run its
// budget paused resumes when the new cap allows. Prints the cap, the one before and the run's phase.
import { Command } from 'commander';
import { z } from 'zod';
import { setRunBudget } from '../budget-run';

const BudgetOptions = z.object({
  maxUsd: z.coerce
    .number({ error: '--max-usd must be a number of dollars' })
    .positive('--max-usd must be a positive number of dollars'),
  json: z.boolean().optional(),
});

export function budgetCommand(): Command {
  return new Command('budget')
    .description("raise or lower a run's cap; a run paused by its budget resumes when the new cap allows")
    .argument('<runId>')
    .requiredOption('--max-usd <n>', "the run's new cap in US dollars")
    .option('--json', 'print one JSON object')
    .action((runId: string, raw: unknown) => {
      const options = BudgetOptions.parse(raw);
      return setRunBudget(runId, options.maxUsd, options);
    });
}
