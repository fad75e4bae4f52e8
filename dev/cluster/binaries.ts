// The cluster's programs, built with Go at the pinned versions into the tool cache (outside the
// checkout) the first time, as the Temporal CLI and fake-gcs-server are: the Temporal server with
// its `sql` schema tool, and the Web UI server. Each version has a cache folder of its own.
import { buildGoTool, findGoTool, type GoTool } from '../go-tools';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from './versions';
import { dirname, join } from 'node:path';

export interface ClusterBinaries {
  server: string;
  sql: string;
  ui: string;
}

const serverTool: GoTool = {
  name: 'server',
  module: `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`,
  alsoBuild: [`go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`],
  cacheFolder: `temporal-server-${TEMPORAL_SERVER_VERSION}`,
  buildTime: 'about 3 minutes and 1.6 GB of Go modules cold, seconds when warm',
};

const uiTool: GoTool = {
  name: 'server',
  module: `github.com/temporalio/ui-server/v2/cmd/server@${TEMPORAL_UI_VERSION}`,
  cacheFolder: `temporal-ui-${TEMPORAL_UI_VERSION}`,
  buildTime: 'a minute or two',
};

function ensure(tool: GoTool, log: (line: string) => void): string {
  const path = findGoTool(tool) ?? buildGoTool(tool, log);
  if (!path) {
    throw new Error(`no ${tool.module} in the cache and no Go to build it: install Go, or use docker-compose.yml`);
  }
  return path;
}

export function clusterBinaries(log: (line: string) => void = console.error): ClusterBinaries {
  const server = ensure(serverTool, log);
  return { server, sql: join(dirname(server), 'sql'), ui: ensure(uiTool, log) };
}
