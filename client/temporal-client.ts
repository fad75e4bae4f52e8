// One way to reach Temporal from the CLI: the environment-configuration conventions
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, profiles, TLS / API keys), so the same command reaches the
// dev server, docker-compose or Temporal Cloud.
import {
  Client,
  Connection,
  NamespaceNotFoundError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { rootMessage } from '../common';
import { dataConverterFor } from '../workers/data-converter';
import { processConfig, temporalConnectConfig } from '../workers/settings';
import { rideOut, WaitTimeout, type RideOutOptions } from './ride-out';

/** `lazy`: connect at the first call, so a caller that rides out an absent server (status) sees it there. */
export async function connectClient(
  options: { lazy?: boolean } = {},
): Promise<{ client: Client; close: () => Promise<void>; address: string }> {
  const { connectionOptions, namespace } = temporalConnectConfig();
  // Before connecting: a bad key is a configuration error, not an unreachable server.
  const dataConverter = dataConverterFor(processConfig());
  let connection: Connection;
  try {
    connection = options.lazy ? Connection.lazy(connectionOptions) : await Connection.connect(connectionOptions);
  } catch (error) {
    throw new Error(
      `cannot reach Temporal at ${connectionOptions.address}: ${(error as Error).message} (start one with \`llmbatch dev\` or set TEMPORAL_ADDRESS)`,
    );
  }
  return {
    client: new Client({ connection, namespace, dataConverter }),
    close: () => connection.close(),
    address: connectionOptions.address,
  };
}

/**
 * A run's description. Only Temporal's own NOT_FOUND means there is no such run; anything else
 * (a server that went away, an address that is not Temporal) says so instead.
 */
export async function describeRun(
  client: Client,
  runId: string,
  address: string,
  ride?: RideOutOptions,
): Promise<WorkflowExecutionDescription> {
  const describe = () => client.workflow.getHandle(runId).describe();
  try {
    return await (ride ? rideOut(describe, { ...ride, onlyUnreachable: true }) : describe());
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new Error(`no run with id "${runId}"`);
    if (error instanceof NamespaceNotFoundError) {
      throw new Error(`namespace "${error.namespace}" does not exist at ${address} (TEMPORAL_NAMESPACE)`);
    }
    if (error instanceof WaitTimeout) throw error;
    throw new Error(`cannot reach Temporal at ${address}: ${rootMessage(error)}`);
  }
}

export { webUiLink, webUiListLink } from '../workers/web-ui-link';
