// A webhook that keeps what it is sent: the alerts a run POSTs, for tests to read.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AlertSink {
  /** Every body received, parsed, in order. */
  received: Record<string, unknown>[];
  url: string;
  close(): Promise<void>;
}

export async function startAlertSink(): Promise<AlertSink> {
  const received: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    received,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
