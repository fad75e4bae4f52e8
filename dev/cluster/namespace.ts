// A new Temporal server has no `default` namespace (workers stop at once on one without it): the
// cluster registers it, and waits until the frontend serves it, since the services learn of a new
// namespace from their caches (refreshed every 2 s) rather than at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

/** How long closed runs stay visible (docker-compose's auto-setup keeps 24 h; a run's report is read later). */
const RETENTION = '3 days';
const ALREADY_EXISTS = 6;
/** The namespace cache's refresh interval, and a little more. */
const CACHE_REFRESH_MS = 2_500;

export async function ensureNamespace(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address });
  try {
    let created = true;
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(RETENTION),
        description: 'registered by llmbatch cluster up',
      });
    } catch (error) {
      if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
      created = false;
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(250);
      }
    }
    // The frontend serves it; history and matching refresh their caches on their own clock.
    if (created) await sleep(CACHE_REFRESH_MS);
    return created;
  } finally {
    await connection.close();
  }
}
