// Servers the project runs that are Go programs (the Temporal CLI, fake-gcs-server): found in the
// order a user expects (an environment variable, PATH, the project's cache outside the repo) and,
// when none exists and Go is installed, built with `go install` into that cache, once.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { processConfig } from '../workers/settings';

export interface GoTool {
  /** The binary's name (on PATH, in the cache). */
  name: string;
  /** `go install` argument: module path @ version. */
  module: string;
  /** A path from the environment that wins over everything (TEMPORAL_CLI_PATH), if any. */
  fromEnv?: string;
  /** The variable fromEnv came from, for the error when it points nowhere. */
  envName?: string;
  /** What the build's one line says it takes. */
  buildTime?: string;
  /** More packages of the same module built alongside (the Temporal server's `sql` tool). */
  alsoBuild?: string[];
  /**
   * A folder of its own in the cache, named by version (`temporal-server-v1.29.1`): for binaries
   * with generic names (`server`, `sql`) that PATH must not answer for, and whose version matters.
   */
  cacheFolder?: string;
}

/** Where the tool's binaries live in the cache. */
function binDirOf(tool: GoTool): string {
  return tool.cacheFolder ? join(toolCacheDir(), tool.cacheFolder) : toolCacheDir();
}

/** The binary names `go install` gives the tool's packages (the last path element, before @). */
function binariesOf(tool: GoTool): string[] {
  return (tool.alsoBuild ?? []).map((module) => module.replace(/@.*$/, '').split('/').pop() ?? module);
}

/** LLMBATCH_CACHE_DIR/bin, else $XDG_CACHE_HOME/llmbatch/bin, else ~/.cache/llmbatch/bin. */
export function toolCacheDir(): string {
  const { cacheDir, xdgCacheHome } = processConfig().devStack;
  return join(cacheDir ?? join(xdgCacheHome ?? join(homedir(), '.cache'), 'llmbatch'), 'bin');
}

export function onPath(name: string): string | undefined {
  for (const dir of processConfig().devStack.searchPath.split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function findGoTool(tool: GoTool): string | undefined {
  if (tool.fromEnv) {
    if (!existsSync(tool.fromEnv)) throw new Error(`${tool.envName} points to ${tool.fromEnv}, which does not exist`);
    return tool.fromEnv;
  }
  const dir = binDirOf(tool);
  const cached = join(dir, tool.name);
  const complete = existsSync(cached) && binariesOf(tool).every((name) => existsSync(join(dir, name)));
  if (tool.cacheFolder) return complete ? cached : undefined;
  return onPath(tool.name) ?? (complete ? cached : undefined);
}

/** Builds the tool with Go into the cache; undefined when there is no Go. */
export function buildGoTool(tool: GoTool, log: (line: string) => void = console.error): string | undefined {
  const go = onPath('go');
  if (!go) return undefined;
  const dir = binDirOf(tool);
  mkdirSync(dir, { recursive: true });
  log(
    `llmbatch: no ${tool.name} found; building ${tool.module} with Go into ${dir} (one time, ${tool.buildTime ?? 'a minute or two'})`,
  );
  const result = spawnSync(go, ['install', tool.module, ...(tool.alsoBuild ?? [])], {
    env: { ...process.env, GOBIN: dir },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`go install ${tool.module} failed (exit ${result.status})`);
  return join(dir, tool.name);
}

/** A binary path, building one when Go is present; undefined when neither exists. */
export function ensureGoTool(tool: GoTool, log?: (line: string) => void): string | undefined {
  return findGoTool(tool) ?? buildGoTool(tool, log);
}
