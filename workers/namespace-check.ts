// A worker on a Temporal server that lacks its namespace (a new cluster: the server creates none)
// would log `Namespace default is not found` and stop; it says instead what to run, in one line.
import type { Connection } from '@temporalio/client';

/** gRPC's NOT_FOUND. */
const NOT_FOUND = 5;

export function missingNamespaceMessage(namespace: string, address: string): string {
  return (
    `namespace "${namespace}" does not exist at ${address}: create it with ` +
    `\`temporal operator namespace create --namespace ${namespace} --address ${address}\` ` +
    '(`llmbatch cluster up` does this for the cluster it starts), or set TEMPORAL_NAMESPACE'
  );
}

export async function requireNamespace(connection: Connection, namespace: string, address: string): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (error) {
    if ((error as { code?: number }).code === NOT_FOUND) throw new Error(missingNamespaceMessage(namespace, address));
    throw error;
  }
}
