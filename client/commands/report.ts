// `llmbatch report RUN [--open]`: (re)writes report.html from the run's report.json and prints its
// path. RUN is a run id (its output folder is found through Temporal, as `dlq` finds it) or the
// path of a report.json or of the folder that holds one (no Temporal needed).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { writeReportPage } from '../../activities/report-page';
import type { RunReport } from '../../common';
import { temporalConnectConfig } from '../../workers/settings';
import { findFinishedRun } from '../dead-letters';
import { openFile } from '../open-file';
import { connectClient, webUiLink } from '../temporal-client';

/** The report.json that RUN names: a file, a folder holding one, else the output folder of the run with that id. */
async function reportFileOf(run: string): Promise<{ file: string; address?: string }> {
  if (existsSync(run)) {
    const file = statSync(run).isDirectory() ? join(run, 'report.json') : run;
    if (!existsSync(file)) throw new Error(`${run} holds no report.json`);
    return { file: resolve(file) };
  }
  const { client, close, address } = await connectClient();
  try {
    const finished = await findFinishedRun(client, run);
    const file = join(finished.outputDir, 'report.json');
    if (!existsSync(file)) throw new Error(`run ${run} ended (${finished.status}) without writing ${file}`);
    return { file: resolve(file), address };
  } finally {
    await close();
  }
}

export function reportCommand(): Command {
  return new Command('report')
    .description("(re)write a run's report.html from its report.json and print its path")
    .argument('<run>', 'a run id, or the path of a report.json or of the folder that holds it')
    .option('--open', "open the page with the platform's opener")
    .action(async (run: string, options: { open?: boolean }) => {
      const { file, address } = await reportFileOf(run);
      const report = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
      const at = address ?? temporalConnectConfig().connectionOptions.address;
      const page = writeReportPage(report, {
        path: join(dirname(file), 'report.html'),
        webUiLink: (workflowId) => webUiLink(workflowId, at),
      });
      console.log(page);
      if (options.open) await openFile(page);
    });
}
