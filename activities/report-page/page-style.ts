// report.html's look: plain, printable, readable without the charts.
export const PAGE_STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #212121; background: #fafafa; }
header { padding: 16px 24px; background: #263238; color: #fff; }
header h1 { margin: 0; font-size: 20px; word-break: break-all; }
header a { color: #80deea; margin-right: 16px; }
header .error { color: #ffab91; }
main { padding: 8px 24px 32px; max-width: 1100px; }
section { background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; padding: 12px 16px; margin: 16px 0; }
h2 { font-size: 16px; margin: 0 0 8px; }
.chart { position: relative; margin: 8px 0; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 0 0 8px; }
.tile { display: inline-flex; flex-direction: column; padding: 6px 12px; border-radius: 4px; background: #eceff1; font-size: 20px; min-width: 90px; }
.tile small { font-size: 12px; color: #546e7a; }
.tile.ok { background: #e8f5e9; } .tile.dead { background: #ffebee; } .tile.rejected { background: #efebe9; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border-bottom: 1px solid #eee; padding: 4px 10px; text-align: left; vertical-align: top; }
td ul { margin: 0; padding-left: 16px; } code { font-size: 12px; background: #f5f5f5; padding: 0 3px; word-break: break-all; }
.status-completed { color: #a5d6a7; } .status-failed, .status-cancelled { color: #ffab91; }
.empty { color: #757575; }
.mismatch { color: #b71c1c; font-weight: 600; }
`;
