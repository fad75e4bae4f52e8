// Reads results.parquet back as a user would: with pyarrow when python3 has it (CI installs it in a
// venv, PYARROW_PYTHON), else with hyparquet. Says which, so a test log shows what checked it.
import { execFileSync } from 'node:child_process';

function pythonWithPyarrow(): string | undefined {
  for (const python of [process.env.PYARROW_PYTHON, 'python3'].filter(Boolean) as string[]) {
    try {
      execFileSync(python, ['-c', 'import pyarrow'], { stdio: 'ignore' });
      return python;
    } catch {
      // not this one
    }
  }
  return undefined;
}

export async function readParquetRows(path: string): Promise<{ reader: string; rows: Record<string, unknown>[] }> {
  const python = pythonWithPyarrow();
  if (python) {
    const script =
      'import sys, json, pyarrow.parquet as pq\n' +
      'print(json.dumps(pq.read_table(sys.argv[1]).to_pylist(), default=str))';
    const out = execFileSync(python, ['-c', script, path], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    return { reader: 'pyarrow', rows: JSON.parse(out) as Record<string, unknown>[] };
  }
  const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet');
  const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path) });
  return {
    reader: 'hyparquet',
    rows: rows.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
    ),
  };
}
