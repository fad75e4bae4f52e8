// Finds the `temporal` CLI binary that runs our dev server, in the order a user expects:
// TEMPORAL_CLI_PATH, then PATH, then the project's cache outside the repo; when none exists and
// Go is installed, builds it into that cache. Returns undefined when only a download can help
// (dev-server.ts then lets @temporalio/testing fetch one).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { processConfig } from '../workers/settings';

/** The last CLI version `go install` accepts: later ones carry a replace directive it refuses. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

/** LLMBATCH_CACHE_DIR/bin, else $XDG_CACHE_HOME/llmbatch/bin, else ~/.cache/llmbatch/bin. */
export function temporalCacheDir(): string {
  const { cacheDir, xdgCacheHome } = processConfig().devStack;
  return join(cacheDir ?? join(xdgCacheHome ?? join(homedir(), '.cache'), 'llmbatch'), 'bin');
}

function onPath(name: string): string | undefined {
  for (const dir of processConfig().devStack.searchPath.split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function findTemporalCli(): string | undefined {
  const fromEnv = processConfig().devStack.temporalCliPath;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH points to ${fromEnv}, which does not exist`);
    return fromEnv;
  }
  const cached = join(temporalCacheDir(), 'temporal');
  return onPath('temporal') ?? (existsSync(cached) ? cached : undefined);
}

/** Builds the CLI with Go into the cache (takes a few minutes the first time). */
export function buildTemporalCliWithGo(log: (line: string) => void = console.error): string | undefined {
  const go = onPath('go');
  if (!go) return undefined;
  const dir = temporalCacheDir();
  mkdirSync(dir, { recursive: true });
  log(`llmbatch: no temporal CLI found; building ${TEMPORAL_CLI_MODULE} with Go into ${dir} (one time, a few minutes)`);
  const result = spawnSync(go, ['install', TEMPORAL_CLI_MODULE], {
    env: { ...process.env, GOBIN: dir },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${result.status})`);
  return join(dir, 'temporal');
}

/** A binary path, building one when Go is present; undefined means "download one". */
export function ensureTemporalCli(log?: (line: string) => void): string | undefined {
  return findTemporalCli() ?? buildTemporalCliWithGo(log);
}

export function temporalCliVersion(path: string): string {
  return execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
}
