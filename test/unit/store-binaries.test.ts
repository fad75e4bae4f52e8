// The embedded store's PostgreSQL comes as files of an npm package whose install script (which
// links its shared libraries) npm 11 skips: the links are made on first use instead.
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkLibraries, postgresBinaries } from '../../store/embedded/binaries';

describe("the embedded store's binaries", () => {
  it('links the shared libraries the package lists, and leaves links already there', () => {
    const folder = mkdtempSync(join(tmpdir(), 'llmbatch-binaries-'));
    try {
      mkdirSync(join(folder, 'native', 'lib'), { recursive: true });
      writeFileSync(join(folder, 'native', 'lib', 'libicuuc.so.60.2'), 'library');
      writeFileSync(
        join(folder, 'native', 'pg-symlinks.json'),
        JSON.stringify([
          { source: 'native/lib/libicuuc.so.60.2', target: 'native/lib/libicuuc.so.60' },
          { source: 'native/lib/libicuuc.so.60.2', target: 'native/lib/libicuuc.so' },
        ]),
      );
      linkLibraries(folder);
      linkLibraries(folder);
      expect(readlinkSync(join(folder, 'native', 'lib', 'libicuuc.so.60'))).toBe('libicuuc.so.60.2');
      expect(readlinkSync(join(folder, 'native', 'lib', 'libicuuc.so'))).toBe('libicuuc.so.60.2');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("finds this platform's initdb and postgres", () => {
    const binaries = postgresBinaries();
    expect(existsSync(binaries.initdb)).toBe(true);
    expect(existsSync(binaries.postgres)).toBe(true);
    expect(binaries.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
