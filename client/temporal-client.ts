// One way to reach Temporal from the CLI: the environment-configuration conventions
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, profiles, TLS / API keys), so the same command reaches the
// dev server, docker-compose or Temporal Cloud.
import { Client, Connection } from '@temporalio/client';
import { temporalConnectConfig } from '../workers/settings';

export async function connectClient(): Promise<{ client: Client; close: () => Promise<void>; address: string }> {
  const { connectionOptions, namespace } = temporalConnectConfig();
  let connection: Connection;
  try {
    connection = await Connection.connect(connectionOptions as never);
  } catch (error) {
    throw new Error(
      `cannot reach Temporal at ${connectionOptions.address}: ${(error as Error).message} (start one with \`llmbatch dev\` or set TEMPORAL_ADDRESS)`,
    );
  }
  return {
    client: new Client({ connection, namespace }),
    close: () => connection.close(),
    address: connectionOptions.address,
  };
}

/** The Web UI page of a workflow: TEMPORAL_UI_URL, or the dev server's convention (gRPC port + 1000). */
export function webUiLink(
  workflowId: string,
  address: string,
  namespace = process.env.TEMPORAL_NAMESPACE || 'default',
): string {
  let base = process.env.TEMPORAL_UI_URL;
  if (!base) {
    const [host, port] = address.split(':');
    base = `http://${host}:${Number(port || 7233) + 1000}`;
  }
  return `${base.replace(/\/$/, '')}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`;
}
