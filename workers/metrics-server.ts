// The worker's Prometheus endpoint (LLMBATCH_METRICS_PORT): GET /metrics answers llmbatch's own
// metrics (activities/alerts/metrics.ts), Node's process metrics and, appended, the Temporal runtime's
// (Core's exporter, bound to a loopback port nobody else needs to know). One scrape target per
// worker instead of two: one port to open, one job in prometheus.yml, one `up` to alert on.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';

export interface MetricsServer {
  /** http://host:port/metrics */
  url: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  registry: Registry;
  /** Core's Prometheus endpoint, when the runtime exports one. */
  temporalMetricsUrl?: string;
}

/** Core answers from memory; a scrape must not hang on it for longer than this. */
const TEMPORAL_SCRAPE_TIMEOUT_MS = 2_000;

async function temporalText(url: string | undefined): Promise<string | undefined> {
  if (!url) return undefined;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TEMPORAL_SCRAPE_TIMEOUT_MS) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry } = options;
  collectDefaultMetrics({ register: registry });
  const temporalUp = new Gauge({
    name: 'llmbatch_temporal_metrics_up',
    help: "1 when this scrape includes the Temporal runtime's own metrics (temporal_*), else 0",
    registers: [registry],
  });
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    void (async () => {
      try {
        const temporal = await temporalText(options.temporalMetricsUrl);
        temporalUp.set(temporal === undefined ? 0 : 1);
        const ours = await registry.metrics();
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(temporal ? `${ours}\n${temporal}` : ours);
      } catch (error) {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`metrics: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
