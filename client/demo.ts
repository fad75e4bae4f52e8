// `npm run demo`: the embedded default (Temporal dev server, simulator, worker) and a sample run
// of 1,200 support tickets through batch mode, to the report. No API key, no installed Temporal.
// `--keep` leaves everything running afterwards so the Web UI link stays live. `--provider NAME` runs
// it through that provider's own client and wire, answered by the simulator (every family it speaks).
import { resolve } from 'node:path';
import { demoProviderOf, type DemoProvider } from './demo-providers';
import { loadSpec } from './spec-loader';
import { startEmbedded } from '../dev/embedded';
import { createEmulatorBucket, startGcsEmulator, type GcsEmulator } from '../dev/gcs-emulator';
import { SIMULATOR_VERTEX_BUCKET } from '../dev/vertex-credentials';
import { startS3Emulator } from '../dev/s3-emulator';
import { startRun } from './start-run';
import { webUiLink } from './temporal-client';
import { verifyRunFiles } from './verify-run-files';
import { formatReport, waitForRun } from './wait-for-run';
import { Client, Connection } from '@temporalio/client';
import { installWorkerLogging } from '../workers/logging';
import { processConfig } from '../workers/settings';

const DEMO_PROFILE = { seed: 7, batch: { validatingMs: 200, completionMs: 1500 } };

async function demo(keep: boolean, chosen: DemoProvider): Promise<boolean> {
  console.log('llmbatch demo: starting a Temporal dev server, the provider simulator and a worker...');
  const config = processConfig();
  installWorkerLogging(config.logLevel ?? 'WARN');
  // Vertex AI reads its input from and writes its predictions to Cloud Storage: a real emulator here.
  let gcs: GcsEmulator | undefined;
  if (chosen.provider === 'vertex') {
    gcs = await startGcsEmulator({ log: (line) => console.log(line) });
    await createEmulatorBucket(gcs.url, SIMULATOR_VERTEX_BUCKET);
    console.log(`  Cloud Storage emulator ${gcs.url}, bucket gs://${SIMULATOR_VERTEX_BUCKET}`);
  }
  // Bedrock's jobs read and write S3: the demo brings its own emulator with the demo's bucket.
  const s3 = chosen.bedrock ? await startS3Emulator({ buckets: [chosen.bedrock.bucket] }) : undefined;
  const embedded = await startEmbedded({
    simulatorProfile: DEMO_PROFILE,
    config,
    providersAtSimulator: true,
    storageUrl: gcs?.url,
    s3Url: s3?.url,
  }).catch(async (error: unknown) => {
    await gcs?.stop();
    await s3?.stop();
    throw error;
  });
  let connection: Connection | undefined;
  try {
    console.log(
      `  Temporal ${embedded.temporal.address}, Web UI ${embedded.temporal.uiUrl}, simulator ${embedded.simulator.url}`,
    );
    const spec = loadSpec(resolve(__dirname, '../examples/demo/spec.yaml'), {
      outputDir: resolve('out/demo'),
      ...chosen,
    });
    connection = await Connection.connect({ address: embedded.temporal.address });
    const client = new Client({ connection, dataConverter: embedded.dataConverter });
    const handle = await startRun(client, spec, { taskQueue: embedded.taskQueue });
    const link = webUiLink(handle.workflowId, embedded.temporal.address, { uiUrl: embedded.temporal.uiUrl, config });
    console.log(`started run ${handle.workflowId} (${spec.inputPath}, ${spec.provider}/${spec.model})`);
    const report = await waitForRun(handle, { show: true });
    console.log(formatReport(report, link));
    const check = verifyRunFiles(report, spec.inputPath, spec.idField);
    const ledger = embedded.simulator.ledger();
    console.log(
      check.ok
        ? `  every input line accounted for: ${check.inputLines} lines = ${check.results} results + ${check.deadLetters} dead letters + ${check.rejected} rejected`
        : `  PROBLEMS:\n    ${check.problems.join('\n    ')}`,
    );
    console.log(
      `  simulator ledger: ${ledger.batchesCreated} batches, ${ledger.requestsBilled} requests billed, $${ledger.costUsd.toFixed(4)}, doubleBilled ${ledger.doubleBilled}`,
    );
    if (keep) {
      console.log('\n--keep: everything stays up; Ctrl-C stops it.');
      await new Promise<void>((r) => {
        process.once('SIGINT', r);
        process.once('SIGTERM', r);
      });
    } else {
      console.log(
        '\nThe dev server stops with the demo; the run is kept in .llmbatch/. `npm run cli -- dev` brings it and the Web UI back.',
      );
    }
    return check.ok;
  } finally {
    await connection?.close();
    await embedded.stop();
    await gcs?.stop();
    await s3?.stop();
  }
}

Promise.resolve()
  .then(() => demo(process.argv.includes('--keep'), demoProviderOf(process.argv)))
  .then(
    (ok) => process.exit(ok ? 0 : 1),
    (error: unknown) => {
      console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
