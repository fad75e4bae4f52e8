// A module a command needs only once it runs (the worker, the embedded stack, the report page's
// charts), loaded then rather than when the CLI starts: every other command starts in about half
// the time. `require` rather than `import()`: it resolves the same way under tsx, jest and the
// compiled build, where a dynamic import of a relative path would need the build's file extension.
import { join } from 'node:path';

/** `fromRoot`: the module's path from the project's root, without extension (`workers/main`). */
export function loadLazily<T>(fromRoot: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use, typed by the caller
  return require(join(__dirname, '..', fromRoot)) as T;
}
