// docker-compose.yml is for users (no Docker engine here): check it with `docker-compose config`
// (Debian's docker-compose, which .ci/run installs) and read back what Compose made of it; the
// file's own shape and the Dockerfile are checked either way.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../common';
import { loadConfig } from '../../common/config';

const ROOT = join(__dirname, '..', '..');
const FILE = join(ROOT, 'docker-compose.yml');

interface Service {
  image?: string;
  build?: { context: string } | string;
  command?: string[];
  ports?: (string | { published: number | string; target: number })[];
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }> | string[];
  volumes?: string[];
  working_dir?: string;
  healthcheck?: { test: string[] | string };
  profiles?: string[];
}
type Compose = { services: Record<string, Service>; volumes: Record<string, unknown> };

const SERVICES = ['postgresql', 'temporal', 'temporal-admin-tools', 'temporal-ui', 'simulator', 'worker', 'cli'];

/** `docker-compose config` as Compose resolves it, with nothing but PATH in the environment. */
function composeConfig(env: Record<string, string> = {}): Compose {
  const out = execFileSync('docker-compose', ['-f', FILE, '--profile', 'cli', 'config'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'pipe',
  });
  return parse(out.toString()) as Compose;
}

describe('docker-compose.yml', () => {
  const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
  const withCompose = hasCompose ? it : it.skip;

  withCompose('is accepted by `docker-compose config` with no variable set, and keeps its services', () => {
    const { services, volumes } = composeConfig();
    expect(Object.keys(services).sort()).toEqual([...SERVICES].sort());
    expect(Object.keys(volumes).sort()).toEqual(['llmbatch-data', 'postgres-data']);

    // Workers and the CLI run the image built here, on the shared data volume, at the same paths.
    for (const name of ['worker', 'cli', 'simulator']) {
      expect(services[name]).toMatchObject({ image: 'llmbatch:local', build: { context: ROOT } });
    }
    for (const name of ['worker', 'cli']) {
      expect(services[name]).toMatchObject({ volumes: ['llmbatch-data:/data:rw'], working_dir: '/data' });
    }
    expect(services.cli.profiles).toEqual(['cli']);
    expect(services.worker.command).toEqual(['worker']);
    expect(services.simulator.command).toEqual(['simulator', '--host', '0.0.0.0', '--port', '8089']);

    // Nothing starts before what it needs is healthy, and what others wait on has a healthcheck.
    expect(services.worker.depends_on).toEqual({
      temporal: { condition: 'service_healthy' },
      postgresql: { condition: 'service_healthy' },
      simulator: { condition: 'service_healthy' },
    });
    for (const name of ['temporal-ui', 'temporal-admin-tools', 'cli']) {
      expect(services[name].depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    }
    expect(services.temporal.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    for (const name of ['postgresql', 'temporal', 'simulator']) {
      expect(services[name].healthcheck?.test).toBeDefined();
    }

    // The worker's environment is a valid llmbatch configuration: Temporal, the PostgreSQL store, the simulator.
    const env = services.worker.environment ?? {};
    const config = loadConfig(env as Record<string, string>);
    expect(config.temporal.address).toBe('temporal:7233');
    // One PostgreSQL, as `llmbatch cluster up` runs it: the store beside Temporal's databases, one role.
    expect(config.store.databaseUrl).toBe('postgres://llmbatch:llmbatch@postgresql:5432/llmbatch');
    expect(services.temporal.environment).toMatchObject({ POSTGRES_USER: 'llmbatch', POSTGRES_SEEDS: 'postgresql' });
    expect(config.providers.simulatorUrl).toBe('http://simulator:8089');
    expect(config.providers.openaiApiKey).toBeUndefined();
    expect(services.cli.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
  });

  withCompose('passes API keys from the host to the workers only', () => {
    const keys = { OPENAI_API_KEY: 'sk-from-host', ANTHROPIC_API_KEY: 'sk-ant-from-host' };
    const { services } = composeConfig(keys);
    expect(services.worker.environment).toMatchObject(keys);
    for (const [name, service] of Object.entries(services)) {
      if (name === 'worker') continue;
      expect(JSON.stringify(service)).not.toMatch(/from-host/);
    }
  });

  it('runs Temporal on PostgreSQL with the Web UI and registers every llmbatch search attribute', () => {
    const text = readFileSync(FILE, 'utf8');
    const compose = parse(text, { merge: true }) as Compose;
    expect(compose.services.temporal.image).toMatch(/^temporalio\/auto-setup:/);
    expect(compose.services.temporal.environment?.DB).toBe('postgres12');
    expect(compose.services.temporal.ports).toContain('7233:7233');
    expect(compose.services['temporal-ui'].ports).toContain('8080:8080');
    expect(compose.services.postgresql.image).toMatch(/^postgres:/);
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) expect(text).toContain(`${name}=${type}`);
    // Every secret is the host's variable, never a value written here.
    for (const [name, value] of Object.entries(compose.services.worker.environment ?? {})) {
      if (name.endsWith('_API_KEY')) expect(value).toBe(`\${${name}:-}`);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts;

  it('builds the code and the workflow bundle, and points the worker at that bundle', () => {
    expect(dockerfile).toMatch(/^RUN npm run build && npm run build:workflows$/m);
    // The bundle path the image's worker reads is the one `npm run build:workflows` writes.
    const written = /workflow-bundle\.ts (\S+)$/.exec(scripts['build:workflows'])?.[1];
    expect(written).toBe('dist/workflow-bundle.js');
    expect(dockerfile).toContain(`LLMBATCH_WORKFLOW_BUNDLE=/app/${written}`);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["llmbatch"\]$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('keeps local state out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.llmbatch', 'out', '.git']) expect(ignored).toContain(entry);
  });
});
