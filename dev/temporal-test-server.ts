// The time-skipping test server of the workflow tests: Temporal's Java test server
// (io.temporal:temporal-test-server), which @temporalio/testing would download from the internet.
// Maven Central serves it with its dependencies, so the project installs it with Maven, once, into
// the cache outside the checkout, and writes the small executable @temporalio/testing starts
// (`<path> <port>`: it passes the port as the first argument).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processConfig } from '../workers/settings';
import { onPath, toolCacheDir } from './go-tools';

/** The version @temporalio/testing 1.24's own download would fetch a build of. */
export const TEST_SERVER_VERSION = '1.31.0';

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.llmbatch</groupId>
  <artifactId>temporal-test-server-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;

function installDir(): string {
  return join(toolCacheDir(), '..', `temporal-test-server-${TEST_SERVER_VERSION}`);
}

/** The executable, if the environment names one or the cache holds a complete install. */
export function findTestServer(): string | undefined {
  const fromEnv = processConfig().devStack.testServerPath;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_TEST_SERVER_PATH points to ${fromEnv}, which does not exist`);
    return fromEnv;
  }
  const launcher = join(installDir(), 'temporal-test-server');
  return existsSync(launcher) ? launcher : undefined;
}

/** Resolves the test server's jars with Maven and writes its launcher; the launcher's path. */
export function installTestServer(log: (line: string) => void = console.error): string {
  const mvn = onPath('mvn');
  const java = onPath('java');
  if (!mvn || !java) {
    throw new Error(
      'the workflow tests need Java 17+ and Maven to install the time-skipping test server ' +
        `(io.temporal:temporal-test-server ${TEST_SERVER_VERSION}): install them (Debian: default-jdk-headless maven), ` +
        'or set TEMPORAL_TEST_SERVER_PATH',
    );
  }
  const dir = installDir();
  mkdirSync(dir, { recursive: true });
  log(`llmbatch: installing the Temporal test server ${TEST_SERVER_VERSION} with Maven into ${dir} (one time)`);
  writeFileSync(join(dir, 'pom.xml'), POM);
  const classpathFile = join(dir, 'classpath.txt');
  const result = spawnSync(
    mvn,
    ['-q', '-B', '-f', join(dir, 'pom.xml'), 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0 || !existsSync(classpathFile)) {
    throw new Error(
      `mvn dependency:build-classpath for io.temporal:temporal-test-server failed (exit ${result.status})`,
    );
  }
  const classpath = readFileSync(classpathFile, 'utf8').trim();
  const launcher = join(dir, 'temporal-test-server');
  // Written last: its presence says the install is complete.
  rmSync(launcher, { force: true });
  writeFileSync(
    launcher,
    `#!/bin/sh\n# io.temporal:temporal-test-server ${TEST_SERVER_VERSION}; the first argument is the port.\n` +
      `exec "${java}" -cp "${classpath}" io.temporal.testserver.TestServer "$@"\n`,
  );
  chmodSync(launcher, 0o755);
  return launcher;
}

export function ensureTestServer(): string {
  return findTestServer() ?? installTestServer();
}
