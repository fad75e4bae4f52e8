// The steps of a run whose outputs could not be written, as the finalize-failed tests take them:
// wait for the phase, read the reason from `status`, write again with `finalize --output`, and
// check that the provider billed nothing more.
import type { WorkflowHandle } from '@temporalio/client';
import type { RunReport } from '../../common';
import type { RunningSimulator } from '../../simulator';
import { progressQuery } from '../../workflows';
import { cli } from './cli';
import { until } from './until';

export async function untilFinalizeFailed(handle: WorkflowHandle): Promise<void> {
  await until('finalize-failed', async () => (await handle.query(progressQuery)).phase === 'finalize-failed');
}

/** `status RUN` says finalize-failed and why; the reason's start is matched. */
export async function expectFinalizeFailedStatus(runId: string, reason: RegExp | string): Promise<void> {
  const status = await cli(['status', runId]);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain('phase finalize-failed');
  const line = status.stdout.split('\n').find((l) => l.includes('finalize failed: '));
  expect(line).toBeDefined();
  if (typeof reason === 'string') expect(line).toContain(`finalize failed: ${reason}`);
  else expect(line).toMatch(reason);
}

/** `finalize RUN --output DIR --json`: exit 0 and the report it printed. */
export async function finalizeAgain(runId: string, output: string): Promise<RunReport> {
  const written = await cli(['finalize', runId, '--output', output, '--json']);
  expect(written.code).toBe(0);
  return JSON.parse(written.stdout.trim().split('\n').pop()!) as RunReport;
}

/** The ledger after a second finalize: the same batches and requests as before it, none billed twice. */
export function expectNoSecondBilling(simulator: RunningSimulator, before: ReturnType<RunningSimulator['ledger']>) {
  const after = simulator.ledger();
  expect(after.batchesCreated).toBe(before.batchesCreated);
  expect(after.requestsBilled).toBe(before.requestsBilled);
  expect(after.doubleBilled).toBe(0);
}
