// docker-compose.yml is for users (no Docker engine here): check it with `docker-compose config`
// (Debian's docker-compose, which .ci/run installs), and its shape either way.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../common';

const FILE = join(__dirname, '..', '..', 'docker-compose.yml');

describe('docker-compose.yml', () => {
  const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

  (hasCompose ? it : it.skip)('is accepted by `docker-compose config`', () => {
    expect(() => execFileSync('docker-compose', ['-f', FILE, 'config', '-q'], { stdio: 'pipe' })).not.toThrow();
  });

  it('runs Temporal on PostgreSQL with the Web UI and registers every llmbatch search attribute', () => {
    const text = readFileSync(FILE, 'utf8');
    const compose = parse(text) as {
      services: Record<string, { image: string; ports?: string[]; environment?: Record<string, string> }>;
    };
    expect(compose.services.temporal.image).toMatch(/^temporalio\/auto-setup:/);
    expect(compose.services.temporal.environment?.DB).toBe('postgres12');
    expect(compose.services.temporal.ports).toContain('7233:7233');
    expect(compose.services['temporal-ui'].ports).toContain('8080:8080');
    expect(compose.services.postgresql.image).toMatch(/^postgres:/);
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) expect(text).toContain(`${name}=${type}`);
  });
});
