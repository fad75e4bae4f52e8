// The embedded store: a real PostgreSQL server that llmbatch starts itself, its data folder under
// the store folder (LLMBATCH_STORE_DIR), on loopback only, with a password generated into that
// folder. Every process that uses the folder (dev, worker, the CLI, tests) finds the running
// server through PostgreSQL's own postmaster.pid and joins it; the first one starts it. The server
// runs detached, so a SIGKILLed starter leaves it serving the others; PostgreSQL's lock on its
// data folder means there is never a second server on one folder.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { postgresBinaries, type PostgresBinaries } from './binaries';
import { processAlive, readPostmasterPid, type PostmasterRecord } from './postmaster-pid';
import { grantPassage, serverUser, type ServerUser } from './server-user';

export const DATA_FOLDER = 'pgdata';
export const PASSWORD_FILE = 'password';
export const PORT_FILE = 'port';
export const LOG_FILE = 'server.log';
export const STORE_ROLE = 'llmbatch';
export const STORE_DATABASE = 'llmbatch';

/** How long a start (or a wait for another process's start) may take before it is an error. */
const START_TIMEOUT_MS = 60_000;
/** A fast shutdown (SIGINT) rolls back open transactions; after this, an immediate one (SIGQUIT). */
const STOP_TIMEOUT_MS = 30_000;

/**
 * Settings on the command line rather than in postgresql.conf, so a folder made by an earlier
 * version runs with today's. Durability stays PostgreSQL's default (fsync, synchronous commit):
 * the store is the record of what was paid for.
 */
const SERVER_SETTINGS = [
  'listen_addresses=127.0.0.1',
  'unix_socket_directories=',
  // A run writes in bulk: checkpoints by WAL volume (PostgreSQL's 1 GB), not every 5 minutes.
  'checkpoint_timeout=15min',
  'log_checkpoints=off',
  // The operating system caches the data files anyway; PostgreSQL's own cache counts in the
  // process's memory. The default 128 MB peaked the server at 209 MB PSS in a 300k-item run, this
  // at 106 MB, in the same time.
  'shared_buffers=32MB',
];

/**
 * An operator's own settings (`LLMBATCH_STORE_SETTINGS="work_mem=64MB log_min_duration_statement=5s"`),
 * after ours so they win: what postgresql.conf would hold, for a server started by this process.
 */
export function extraSettings(text = process.env.LLMBATCH_STORE_SETTINGS ?? ''): string[] {
  const settings = text.split(/\s+/).filter(Boolean);
  const bad = settings.find((setting) => !/^[a-z_.]+=\S+$/i.test(setting));
  if (bad) throw new Error(`LLMBATCH_STORE_SETTINGS: "${bad}" is not name=value (settings are separated by spaces)`);
  return settings;
}

export interface EmbeddedServer {
  url: string;
  storeDir: string;
  dataDir: string;
  pid: number;
  port: number;
  /** This process started the server (rather than joining one that ran). */
  startedHere: boolean;
}

export class EarlierStoreError extends Error {}

/** A folder that PGlite (llmbatch before the embedded server) made: its data files sit at the top. */
function refuseEarlierStore(storeDir: string): void {
  if (!existsSync(join(storeDir, 'PG_VERSION')) || existsSync(join(storeDir, DATA_FOLDER))) return;
  throw new EarlierStoreError(
    `the store folder ${storeDir} was made by an earlier llmbatch (the PGlite store), which this version no ` +
      "longer reads. Its runs' outputs are in their output folders already; to start a new store, move it aside " +
      `(mv ${storeDir} ${storeDir}.pglite) or point LLMBATCH_STORE_DIR elsewhere. What is lost: the answers cache ` +
      'of earlier runs and their status in `llmbatch status`',
  );
}

function ownBy(path: string, user: ServerUser | undefined): void {
  if (user) chownSync(path, user.uid, user.gid);
}

/** The folder's password, made once: written aside and linked into place, so every process reads it whole. */
function folderPassword(storeDir: string): string {
  const path = join(storeDir, PASSWORD_FILE);
  if (!existsSync(path)) {
    const draft = `${path}.${process.pid}`;
    writeFileSync(draft, randomBytes(24).toString('base64url'), { mode: 0o600 });
    try {
      linkSync(draft, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(draft);
    }
  }
  return readFileSync(path, 'utf8').trim();
}

/** initdb into a folder of this process's own, renamed into place: two first users never mix. */
function initialize(
  storeDir: string,
  binaries: PostgresBinaries,
  user: ServerUser | undefined,
  password: string,
): void {
  const dataDir = join(storeDir, DATA_FOLDER);
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  const draft = join(storeDir, `${DATA_FOLDER}.init-${process.pid}`);
  const passwordFile = join(storeDir, `.initdb-password-${process.pid}`);
  rmSync(draft, { recursive: true, force: true });
  mkdirSync(draft, { mode: 0o700 });
  ownBy(draft, user);
  writeFileSync(passwordFile, password, { mode: 0o600 });
  ownBy(passwordFile, user);
  try {
    execFileSync(
      binaries.initdb,
      [
        '-D',
        draft,
        '-U',
        STORE_ROLE,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        // A folder made moments before a power cut may need making again; 1.3 s less per new store.
        '--no-sync',
        '--no-instructions',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], uid: user?.uid, gid: user?.gid, cwd: draft },
    );
    try {
      renameSync(draft, dataDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      // Another process initialized the folder first: theirs is used.
    }
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`initdb of the store in ${storeDir} failed: ${stderr || (error as Error).message}`);
  } finally {
    rmSync(draft, { recursive: true, force: true });
    rmSync(passwordFile, { force: true });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** The folder's port: kept, so that a server restarted by any process is where the others' pools look. */
function storedPort(storeDir: string): number | undefined {
  try {
    const port = Number(readFileSync(join(storeDir, PORT_FILE), 'utf8'));
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Is `pid` the server of `dataDir`? After a reboot a stale postmaster.pid may name another process. */
function servesFolder(pid: number, dataDir: string): boolean {
  if (!processAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dataDir);
  } catch {
    return true; // no /proc (macOS): a live pid is taken at its word
  }
}

function logTail(storeDir: string, from: number): string {
  try {
    const text = readFileSync(join(storeDir, LOG_FILE), 'utf8').slice(from).trim();
    return text.split('\n').slice(-5).join(' | ');
  } catch {
    return '';
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

type StartOutcome = { started: PostmasterRecord } | { retry: 'port' | 'taken' };

/** Starts the server on the folder's port (a new one if that is taken); waits until it is ready. */
async function start(
  storeDir: string,
  binaries: PostgresBinaries,
  user: ServerUser | undefined,
): Promise<StartOutcome> {
  const dataDir = join(storeDir, DATA_FOLDER);
  const port = storedPort(storeDir) ?? (await freePort());
  writeFileSync(join(storeDir, PORT_FILE), String(port));
  const logPath = join(storeDir, LOG_FILE);
  const logFrom = fileSize(logPath);
  const log = openSync(logPath, 'a');
  const settings = [...SERVER_SETTINGS, ...extraSettings()].flatMap((setting) => ['-c', setting]);
  const child = spawn(binaries.postgres, ['-D', dataDir, '-p', String(port), ...settings], {
    detached: true,
    stdio: ['ignore', log, log],
    uid: user?.uid,
    gid: user?.gid,
    cwd: dataDir,
  });
  closeSync(log);
  child.unref();
  let exit: number | string | undefined;
  child.once('exit', (code, signal) => (exit = code ?? signal ?? 'unknown'));
  child.once('error', (error) => (exit = error.message));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const record = readPostmasterPid(dataDir);
    if (record && record.pid === child.pid && record.status === 'ready') return { started: record };
    if (exit !== undefined) {
      const why = logTail(storeDir, logFrom);
      if (/lock file "postmaster.pid" already exists/.test(why)) return { retry: 'taken' };
      if (/could not bind|Address already in use|could not create any TCP\/IP sockets/.test(why)) {
        rmSync(join(storeDir, PORT_FILE), { force: true });
        return { retry: 'port' };
      }
      throw new Error(`the store server in ${storeDir} did not start (${exit}): ${why || 'see ' + logPath}`);
    }
    await sleep(25);
  }
  child.kill('SIGQUIT');
  throw new Error(`the store server in ${storeDir} did not start within ${START_TIMEOUT_MS / 1000} s: see ${logPath}`);
}

export function storeUrl(port: number, password: string, database = STORE_DATABASE): string {
  return `postgres://${STORE_ROLE}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** Makes the store's database on a new server; answers false while the server does not accept connections. */
async function ensureDatabase(port: number, password: string): Promise<boolean> {
  const client = new Client({ connectionString: storeUrl(port, password, 'postgres'), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch {
    return false;
  }
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [STORE_DATABASE]);
    if (!rowCount) {
      await client.query(`create database ${STORE_DATABASE}`).catch((error: { code?: string }) => {
        // Another process made it at the same moment.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
    return true;
  } finally {
    await client.end();
  }
}

/**
 * The server of `storeDir`: the one running, or one started now (initializing the folder first).
 * Waits for a server another process is starting or stopping.
 */
export async function startOrJoinServer(storeDir: string, log?: (line: string) => void): Promise<EmbeddedServer> {
  storeDir = resolve(storeDir);
  mkdirSync(storeDir, { recursive: true });
  refuseEarlierStore(storeDir);
  const binaries = postgresBinaries();
  const user = serverUser();
  if (user) {
    const opened = [...grantPassage(storeDir, user), ...grantPassage(binaries.root, user)];
    if (opened.length > 0) log?.(`store: let the server's user "${user.name}" pass through ${opened.join(', ')}`);
  }
  const password = folderPassword(storeDir);
  initialize(storeDir, binaries, user, password);
  const dataDir = join(storeDir, DATA_FOLDER);
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const running = readPostmasterPid(dataDir);
    if (running && servesFolder(running.pid, dataDir)) {
      if (running.status === 'ready' && (await ensureDatabase(running.port, password))) {
        return {
          url: storeUrl(running.port, password),
          storeDir,
          dataDir,
          pid: running.pid,
          port: running.port,
          startedHere: false,
        };
      }
    } else {
      if (running) rmSync(join(dataDir, 'postmaster.pid'), { force: true }); // its process is gone or is another program
      const outcome = await start(storeDir, binaries, user);
      if ('started' in outcome) {
        const { pid, port } = outcome.started;
        if (!(await ensureDatabase(port, password)))
          throw new Error(`the store server in ${storeDir} refuses connections`);
        log?.(
          `store: PostgreSQL ${binaries.version.split('-')[0]} started on 127.0.0.1:${port} (pid ${pid}, ${dataDir})`,
        );
        return { url: storeUrl(port, password), storeDir, dataDir, pid, port, startedHere: true };
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the store server in ${storeDir} (pid ${running?.pid ?? '?'}) does not answer; see ${join(storeDir, LOG_FILE)}, ` +
          'or stop it with `llmbatch store stop`',
      );
    }
    await sleep(50);
  }
}

/** Stops the folder's server, if one runs: fast shutdown, then immediate. Answers its pid, or undefined. */
export async function stopServer(storeDir: string): Promise<number | undefined> {
  const dataDir = join(resolve(storeDir), DATA_FOLDER);
  const running = readPostmasterPid(dataDir);
  if (!running || !servesFolder(running.pid, dataDir)) return undefined;
  const waitGone = async (ms: number) => {
    const until = Date.now() + ms;
    while (processAlive(running.pid) && Date.now() < until) await sleep(25);
    return !processAlive(running.pid);
  };
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(running.pid, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // it ended meanwhile
    }
  };
  signal('SIGINT');
  if (await waitGone(STOP_TIMEOUT_MS)) return running.pid;
  signal('SIGQUIT');
  if (await waitGone(5_000)) return running.pid;
  throw new Error(`the store server in ${storeDir} (pid ${running.pid}) did not stop`);
}

/** The folder's server as postmaster.pid tells, without starting one. */
export function serverState(storeDir: string): { pid: number; port: number; status: string } | undefined {
  const dataDir = join(resolve(storeDir), DATA_FOLDER);
  const running = readPostmasterPid(dataDir);
  return running && servesFolder(running.pid, dataDir) ? running : undefined;
}
