// The workflow code a worker runs: a prebuilt bundle in production (`npm run build:workflows`,
// then LLMBATCH_WORKFLOW_BUNDLE=dist/workflow-bundle.js), else bundled from workflows/ at start-up.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { failureConverterPath } from './data-converter';
import { processConfig } from './settings';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export function workflowsPath(): string {
  return require.resolve('../workflows');
}

/** The bundle's options: our workflows, and the failure converter that keeps their failure messages out of history. */
export function bundleOptions() {
  return { workflowsPath: workflowsPath(), failureConverterPath: failureConverterPath(), logger: quiet };
}

export async function loadWorkflowBundle(prebuilt = processConfig().workflowBundle): Promise<WorkflowBundleOption> {
  if (prebuilt) return { code: readFileSync(resolve(prebuilt), 'utf8') };
  return bundleWorkflowCode(bundleOptions());
}

if (require.main === module) {
  const out = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
  bundleWorkflowCode(bundleOptions())
    .then(({ code }) => {
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, code);
      console.log(`workflow bundle written to ${out} (${(code.length / 1024 / 1024).toFixed(2)} MB)`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
