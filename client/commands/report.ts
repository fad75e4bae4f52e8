// `llmbatch report RUN [--open]`: (re)writes report.html from the run's report.json and prints its
// path. RUN is a run id (its output folder is found through Temporal, as `dlq` finds it) or the
// path of a report.json or of the folder that holds one (no Temporal needed).
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { loadLazily } from '../load-lazily';
import { isObjectUrl, type RunReport } from '../../common';
import {
  joinLocation,
  locationExists,
  readLocationText,
  writeLocationText,
} from '../../activities/object-store/location';
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
    const file = joinLocation(finished.outputDir, 'report.json');
    if (!(await locationExists(file))) throw new Error(`run ${run} ended (${finished.status}) without writing ${file}`);
    return { file: isObjectUrl(file) ? file : resolve(file), address };
  } finally {
    await close();
  }
}

async function uploadReportPage(page: string, reportUrl: string): Promise<void> {
  await writeLocationText(reportUrl.replace(/report\.json$/, 'report.html'), readFileSync(page, 'utf8'));
}

export function reportCommand(): Command {
  return new Command('report')
    .description("(re)write a run's report.html from its report.json and print its path")
    .argument('<run>', 'a run id, or the path of a report.json or of the folder that holds it')
    .option('--open', "open the page with the platform's opener")
    .action(async (run: string, options: { open?: boolean }) => {
      const { file, address } = await reportFileOf(run);
      const report = JSON.parse(await readLocationText(file)) as RunReport;
      const at = address ?? temporalConnectConfig().connectionOptions.address;
      // A report in a bucket: the page is written here to be opened, and put back beside report.json.
      const local = isObjectUrl(file) ? join(mkdtempSync(join(tmpdir(), 'llmbatch-report-')), 'report.json') : file;
      // Loaded only here: the page brings its charting bundle, which other commands do not need.
      const { writeReportPage } = loadLazily<typeof import('../../activities/report-page')>('activities/report-page');
      const page = writeReportPage(report, {
        path: join(dirname(local), 'report.html'),
        webUiLink: (workflowId) => webUiLink(workflowId, at),
      });
      if (local !== file) await uploadReportPage(page, file);
      console.log(page);
      if (options.open) await openFile(page);
    });
}
