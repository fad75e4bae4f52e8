// Finds the `temporal` CLI binary that runs our dev server, in the order a user expects:
// TEMPORAL_CLI_PATH, then PATH, then the project's cache outside the repo; when none exists and
// Go is installed, builds it into that cache. Returns undefined when only a download can help
// (dev-server.ts then lets @temporalio/testing fetch one).
import { execFileSync } from 'node:child_process';
import { processConfig } from '../workers/settings';
import { ensureGoTool, findGoTool, toolCacheDir, type GoTool } from './go-tools';

/** The last CLI version `go install` accepts: later ones carry a replace directive it refuses. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

/** The CLI as a Go tool: TEMPORAL_CLI_PATH, PATH, the cache, or a build. */
function temporalTool(): GoTool {
  return {
    name: 'temporal',
    module: TEMPORAL_CLI_MODULE,
    fromEnv: processConfig().devStack.temporalCliPath,
    envName: 'TEMPORAL_CLI_PATH',
    buildTime: 'a few minutes',
  };
}

export const temporalCacheDir = toolCacheDir;

export function findTemporalCli(): string | undefined {
  return findGoTool(temporalTool());
}

/** A binary path, building one when Go is present; undefined means "download one". */
export function ensureTemporalCli(log?: (line: string) => void): string | undefined {
  return ensureGoTool(temporalTool(), log);
}

export function temporalCliVersion(path: string): string {
  return execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
}
