// The cluster's configuration files, generated at `cluster up` from the ports chosen then: the
// Temporal server's (all four services in one process, on loopback, persistence and visibility
// on the cluster's PostgreSQL), its dynamic config, and the Web UI server's. The same settings
// as docker-compose.yml's auto-setup, written out, so docs/running-at-scale.md can point at each.
import { stringify } from 'yaml';

export interface ClusterPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  /** One per service; stored in a smallint column, so each must be at most 32767. */
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
  metrics: number;
  ui: number;
}

export const PORT_NAMES: (keyof ClusterPorts)[] = [
  'frontend',
  'frontendHttp',
  'history',
  'matching',
  'worker',
  'frontendMembership',
  'historyMembership',
  'matchingMembership',
  'workerMembership',
  'metrics',
  'ui',
];

export interface Database {
  port: number;
  user: string;
  password: string;
}

/**
 * History shards are fixed for the life of a cluster's database (changing them means a new
 * database): 4 fits one machine; docs/running-at-scale.md says when to choose more at the start.
 */
export const HISTORY_SHARDS = 4;
export const TEMPORAL_DATABASE = 'temporal';
export const VISIBILITY_DATABASE = 'temporal_visibility';

function datastore(database: string, db: Database, maxConns: number) {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `127.0.0.1:${db.port}`,
      connectProtocol: 'tcp',
      user: db.user,
      password: db.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

const service = (grpcPort: number, membershipPort: number, extra: Record<string, number> = {}) => ({
  rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
});

export function serverConfig(ports: ClusterPorts, db: Database, dynamicConfigPath: string): string {
  const tooHigh = PORT_NAMES.filter((name) => name.endsWith('Membership') && ports[name] > 32_767);
  if (tooHigh.length) throw new Error(`membership ports must be at most 32767: ${tooHigh.join(', ')}`);
  return stringify({
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'postgres-default': datastore(TEMPORAL_DATABASE, db, 20),
        'postgres-visibility': datastore(VISIBILITY_DATABASE, db, 4),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: {
        prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics}` },
      },
    },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigPath, pollInterval: '10s' },
  });
}

/**
 * Dynamic config: read again every 10 s, so these can be changed on a running cluster. The
 * values are Temporal's defaults, written out as the knobs docs/running-at-scale.md names.
 */
export function dynamicConfig(): string {
  return stringify({
    // Task queue partitions: more spread one busy queue (llmbatch's) over more matching hosts.
    'matching.numTaskqueueReadPartitions': [{ value: 4 }],
    'matching.numTaskqueueWritePartitions': [{ value: 4 }],
    // Requests per second a frontend accepts for one namespace (many workers polling count here).
    'frontend.namespaceRPS': [{ value: 2400 }],
  });
}

export function uiConfig(ports: ClusterPorts): string {
  return stringify({
    temporalGrpcAddress: `127.0.0.1:${ports.frontend}`,
    host: '127.0.0.1',
    port: ports.ui,
    publicPath: '',
    enableUi: true,
    defaultNamespace: 'default',
    cors: { cookieInsecure: true, allowOrigins: [`http://127.0.0.1:${ports.ui}`] },
    hideLogs: true,
  });
}
