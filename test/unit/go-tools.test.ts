// The Go tool cache: a tool with a versioned cache folder of its own (the cluster's `server` and
// `sql`) is found only there, and only when every binary of it was built; PATH never answers for
// such generic names.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findGoTool, type GoTool } from '../../dev/go-tools';

const tool: GoTool = {
  name: 'server',
  module: 'example.org/server/cmd/server@v1.2.3',
  alsoBuild: ['example.org/server/cmd/tools/sql@v1.2.3'],
  cacheFolder: 'example-server-v1.2.3',
};

function binary(path: string): void {
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
}

describe('the Go tool cache', () => {
  const saved = { ...process.env };
  const cache = mkdtempSync(join(tmpdir(), 'llmbatch-go-tools-'));
  const onPath = mkdtempSync(join(tmpdir(), 'llmbatch-path-'));
  beforeEach(() => {
    process.env.LLMBATCH_CACHE_DIR = cache;
    process.env.PATH = `${onPath}:${saved.PATH ?? ''}`;
    binary(join(onPath, 'server'));
  });
  afterEach(() => (process.env = { ...saved }));

  it('finds a versioned tool in its own folder once every binary is there, never on PATH', () => {
    const folder = join(cache, 'bin', tool.cacheFolder!);
    expect(findGoTool(tool)).toBeUndefined();
    mkdirSync(folder, { recursive: true });
    binary(join(folder, 'server'));
    expect(findGoTool(tool)).toBeUndefined(); // its `sql` is missing: a build cut short
    binary(join(folder, 'sql'));
    expect(findGoTool(tool)).toBe(join(folder, 'server'));
    expect(findGoTool({ ...tool, cacheFolder: 'example-server-v9.9.9' })).toBeUndefined();
  });
});
