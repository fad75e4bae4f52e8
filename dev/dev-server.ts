// Starts `temporal server start-dev` for the demo, `dev`, the tests and CI. File-backed (so a
// restart keeps every run) with the pragmas that make SQLite fast enough, and with our search
// attributes registered. Falls back to @temporalio/testing's download when no binary can be had.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { DEFAULT_NAMESPACE, SEARCH_ATTRIBUTES } from '../common';
import { ensureSearchAttributes, searchAttributeFlags } from '../workers/search-attributes';
import { ensureTemporalCli } from './temporal-cli';
import { freePort, isPortFree } from '../workers/free-port';

export interface DevServerOptions {
  /** gRPC port; 0 picks a free one. */
  port?: number;
  uiPort?: number;
  /** SQLite file that keeps state across restarts; omitted = in memory. */
  dbFile?: string;
  /** Where the server's own log goes. */
  logFile?: string;
  headless?: boolean;
  /** The codec server the Web UI decodes payloads through (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  log?: (line: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  pid?: number;
  stop(): Promise<void>;
}

export { freePort, isPortFree };

/** Resolves once the frontend answers, or throws with the server's last log lines. */
export async function waitForTemporal(address: string, timeoutMs: number, child?: ChildProcess, logFile?: string) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) break;
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const tail = logFile ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new Error(`Temporal dev server at ${address} did not come up: ${String(lastError)}\n${tail}`);
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const log = options.log ?? ((line: string) => console.error(line));
  const port = options.port || (await freePort());
  const uiPort = options.headless ? undefined : options.uiPort || (await freePort());
  const binary = ensureTemporalCli(log);
  if (!binary) return startDownloadedServer(port, uiPort, options);

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push(...searchAttributeFlags());
  if (uiPort) args.push('--ui-port', String(uiPort));
  else args.push('--headless');
  if (uiPort && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
    args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  }
  let out: number | 'ignore' = 'ignore';
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    out = openSync(options.logFile, 'a');
  }
  const child = spawn(binary, args, { stdio: ['ignore', out, out] });
  if (typeof out === 'number') closeSync(out);
  // The server dies with the process that started it, even when that process ends by an error.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const address = `127.0.0.1:${port}`;
  await waitForTemporal(address, 60_000, child, options.logFile);
  await registerSearchAttributes(address);
  return {
    address,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    pid: child.pid,
    stop: () => stopChild(child),
  };
}

async function registerSearchAttributes(address: string) {
  const connection = await Connection.connect({ address });
  try {
    await ensureSearchAttributes(connection, DEFAULT_NAMESPACE);
  } finally {
    await connection.close();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** What a user with internet and no Go gets: @temporalio/testing downloads the CLI. */
async function startDownloadedServer(port: number, uiPort: number | undefined, options: DevServerOptions) {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port,
      ui: uiPort !== undefined,
      uiPort,
      dbFilename: options.dbFile,
      searchAttributes: Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => ({ name, type: type.toUpperCase() })),
    },
  } as never);
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    stop: () => env.teardown(),
  } satisfies DevServer;
}
