// A new Temporal server has no `default` namespace (workers stop at once on one without it) and
// none of llmbatch's search attributes (a run started with them is refused until they exist): the
// cluster registers both, and waits until the frontend accepts a query on every attribute, since
// the services learn of new ones from their caches (refreshed every 2 s) rather than at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { SEARCH_ATTRIBUTES } from '../../common';
import { ensureSearchAttributes } from '../../workers/search-attributes';

/** How long closed runs stay visible (docker-compose's auto-setup keeps 24 h; a run's report is read later). */
const RETENTION = '3 days';
const ALREADY_EXISTS = 6;
/** The namespace cache's refresh interval, and a little more: history and matching catch up by then. */
const CACHE_REFRESH_MS = 2_500;

/** A visibility query that names every attribute: accepted only once the frontend knows them all. */
const EVERY_ATTRIBUTE = Object.entries(SEARCH_ATTRIBUTES)
  .map(([name, type]) => (type === 'Keyword' ? `${name} = ''` : `${name} = 0`))
  .join(' AND ');

async function register(connection: Connection, namespace: string): Promise<boolean> {
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(RETENTION),
      description: 'registered by llmbatch cluster up',
    });
    return true;
  } catch (error) {
    if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
    return false;
  }
}

async function untilServed(connection: Connection, namespace: string, query: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1, query });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

/** Registers what is missing; answers what it registered (empty when all was there). */
export async function prepareNamespace(address: string, namespace: string): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const made = (await register(connection, namespace)) ? [`namespace "${namespace}"`] : [];
    await untilServed(connection, namespace, '');
    const added = await ensureSearchAttributes(connection, namespace);
    if (added.length) made.push(`search attributes ${added.join(', ')}`);
    await untilServed(connection, namespace, EVERY_ATTRIBUTE);
    if (made.length) await sleep(CACHE_REFRESH_MS);
    return made;
  } finally {
    await connection.close();
  }
}
