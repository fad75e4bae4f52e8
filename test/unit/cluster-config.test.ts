// What `llmbatch cluster up` generates: a Temporal server config whose membership ports fit the
// smallint column they are stored in (a port above 32767 stops the server at start), everything
// on loopback, 4 history shards; and the versions it builds are docker-compose.yml's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  dynamicConfig,
  HISTORY_SHARDS,
  PORT_NAMES,
  serverConfig,
  uiConfig,
  type ClusterPorts,
} from '../../dev/cluster/config';
import { freePorts, HIGHEST_PORT } from '../../dev/cluster/ports';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../dev/cluster/versions';

const ROOT = join(__dirname, '..', '..');
const db = { port: 5999, user: 'llmbatch', password: 'secret' };

async function somePorts(): Promise<ClusterPorts> {
  const ports = await freePorts(PORT_NAMES.length);
  return Object.fromEntries(PORT_NAMES.map((name, i) => [name, ports[i]])) as unknown as ClusterPorts;
}

interface ServerYaml {
  persistence: {
    numHistoryShards: number;
    datastores: Record<string, { sql: { connectAddr: string; databaseName: string } }>;
  };
  services: Record<string, { rpc: { grpcPort: number; membershipPort: number; bindOnLocalHost: boolean } }>;
  dynamicConfigClient: { filepath: string };
}

describe('the cluster config', () => {
  it('chooses distinct free ports that a smallint column holds', async () => {
    const ports = await freePorts(40);
    expect(new Set(ports).size).toBe(40);
    for (const port of ports) expect(port).toBeLessThanOrEqual(HIGHEST_PORT);
    expect(HIGHEST_PORT).toBe(32767);
  });

  it('runs the four services on loopback, 4 shards, both databases on the one PostgreSQL', async () => {
    const ports = await somePorts();
    const config = parse(serverConfig(ports, db, '/x/dynamicconfig.yaml')) as ServerYaml;
    expect(config.persistence.numHistoryShards).toBe(HISTORY_SHARDS);
    expect(HISTORY_SHARDS).toBe(4);
    expect(Object.keys(config.services).sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
    for (const { rpc } of Object.values(config.services)) {
      expect(rpc.bindOnLocalHost).toBe(true);
      expect(rpc.membershipPort).toBeLessThanOrEqual(32767);
    }
    expect(config.services.frontend.rpc.grpcPort).toBe(ports.frontend);
    const stores = Object.values(config.persistence.datastores).map((s) => s.sql);
    expect(stores.map((s) => s.databaseName).sort()).toEqual(['temporal', 'temporal_visibility']);
    for (const s of stores) expect(s.connectAddr).toBe('127.0.0.1:5999');
    expect(config.dynamicConfigClient.filepath).toBe('/x/dynamicconfig.yaml');
    expect(parse(uiConfig(ports))).toMatchObject({
      temporalGrpcAddress: `127.0.0.1:${ports.frontend}`,
      port: ports.ui,
    });
  });

  it('refuses a membership port above 32767', async () => {
    const ports = { ...(await somePorts()), historyMembership: 40000 };
    expect(() => serverConfig(ports, db, '/x')).toThrow('membership ports must be at most 32767: historyMembership');
  });

  it("builds the server and the UI at docker-compose.yml's versions, with its shards and dynamic config", () => {
    const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(text).toContain(`temporalio/auto-setup:${TEMPORAL_SERVER_VERSION.slice(1)}`);
    expect(text).toContain(`temporalio/ui:${TEMPORAL_UI_VERSION.slice(1)}`);
    const temporal = (
      parse(text) as { services: Record<string, { environment: Record<string, string>; volumes: string[] }> }
    ).services.temporal;
    expect(temporal.environment.NUM_HISTORY_SHARDS).toBe(String(HISTORY_SHARDS));
    const mounted = temporal.volumes.find((v) => v.endsWith(`:${temporal.environment.DYNAMIC_CONFIG_FILE_PATH}:ro`));
    expect(mounted).toBeDefined();
    const file = readFileSync(join(ROOT, mounted!.split(':')[0]), 'utf8');
    expect(parse(file)).toEqual(parse(dynamicConfig()));
  });
});
