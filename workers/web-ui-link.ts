// Links into the Temporal Web UI, for the CLI's output and for the report page a worker writes.
import { loadConfig, type LlmbatchConfig } from '../common/config';
import { readDevServerInfo } from './dev-server-info';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0']);

/** host:port with every loopback spelling alike, so `localhost:7233` matches `127.0.0.1:7233`. */
function sameAddress(a: string, b: string): boolean {
  const norm = (address: string) => {
    const at = address.lastIndexOf(':');
    const host = (at < 0 ? address : address.slice(0, at)).toLowerCase();
    const port = at < 0 ? '7233' : address.slice(at + 1);
    return `${LOOPBACK.has(host) ? 'loopback' : host}:${port}`;
  };
  return norm(a) === norm(b);
}

/**
 * The Web UI page of a workflow: `uiUrl` when given (the server this process started), else
 * TEMPORAL_UI_URL; else the UI of the server `dev` (or the demo) started at this address, from
 * .llmbatch/dev-server.json; else the dev server's convention (gRPC port + 1000).
 */
export function webUiLink(
  workflowId: string,
  address: string,
  options: { uiUrl?: string; config?: LlmbatchConfig } = {},
): string {
  const config = options.config ?? loadConfig(process.env);
  const namespace = config.temporal.namespace;
  let base = options.uiUrl ?? config.temporal.uiUrl;
  if (!base) {
    const dev = readDevServerInfo();
    if (dev?.uiUrl && sameAddress(dev.address, address)) base = dev.uiUrl;
  }
  if (!base) {
    const at = address.lastIndexOf(':');
    const host = at < 0 ? address : address.slice(0, at);
    const port = at < 0 ? 7233 : Number(address.slice(at + 1));
    base = `http://${host}:${port + 1000}`;
  }
  return `${base.replace(/\/$/, '')}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The Web UI's list of workflows that match a visibility query (e.g. the runs without their chunks). */
export function webUiListLink(
  query: string,
  address: string,
  options: { uiUrl?: string; config?: LlmbatchConfig } = {},
) {
  const one = webUiLink('_', address, options);
  return `${one.slice(0, one.lastIndexOf('/'))}?query=${encodeURIComponent(query)}`;
}
