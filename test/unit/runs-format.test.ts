// `llmbatch runs` lines and `report --open`'s opener, without a server.
import { formatRuns } from '../../client/commands/runs';
import { openerFor } from '../../client/open-file';

describe('llmbatch runs and report --open', () => {
  it('prints one aligned line a run, a dash where a running run has no figure yet', () => {
    const lines = formatRuns([
      {
        runId: 'a-long-run-id',
        state: 'COMPLETED',
        items: 1200,
        results: 1190,
        deadLetters: 10,
        costUsd: 0.0123456,
        startedAt: '2026-02-01T12:00:00.123Z',
        report: '/out/a/report.html',
      },
      { runId: 'b', state: 'RUNNING running', startedAt: '2026-02-01T13:00:00.000Z' },
    ]);
    expect(lines).toEqual([
      'RUN            STATE            ITEMS  RESULTS  DEAD  COST     STARTED               REPORT',
      'a-long-run-id  COMPLETED        1200   1190     10    $0.0123  2026-02-01T12:00:00Z  /out/a/report.html',
      'b              RUNNING running  -      -        -     -        2026-02-01T13:00:00Z  -',
    ]);
  });

  it("opens with each platform's own opener", () => {
    expect(openerFor('linux')).toEqual({ command: 'xdg-open', args: [] });
    expect(openerFor('darwin')).toEqual({ command: 'open', args: [] });
    expect(openerFor('win32')).toEqual({ command: 'cmd', args: ['/c', 'start', '""'] });
  });
});
