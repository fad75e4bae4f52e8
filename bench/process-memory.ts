// Memory of the e2e bench's worker and of its store, read from /proc. PSS, not RSS: pages shared
// between processes (a PostgreSQL server's shared buffers, mapped by every backend) are split
// among them rather than counted once per process, so the sum over a tree of processes is what
// the tree costs. Linux only; elsewhere every figure is 0.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_FOLDER } from '../store/embedded/server';
import { processAlive, readPostmasterPid } from '../store/embedded/postmaster-pid';

/**
 * A process's proportional set size in kB: `Pss:` of smaps_rollup (Linux 4.14+), else the sum of
 * smaps' `Pss:` lines, else VmRSS; 0 once the process is gone.
 */
export function pssKb(pid: number): number {
  const sources: [string, RegExp][] = [
    [`/proc/${pid}/smaps_rollup`, /^Pss:\s+(\d+) kB/gm],
    [`/proc/${pid}/smaps`, /^Pss:\s+(\d+) kB/gm],
    [`/proc/${pid}/status`, /^VmRSS:\s+(\d+) kB/gm],
  ];
  for (const [path, field] of sources) {
    try {
      const found = [...readFileSync(path, 'utf8').matchAll(field)];
      if (found.length > 0) return found.reduce((kb, match) => kb + Number(match[1]), 0);
    } catch {
      // not readable (an older kernel, another user's process) or gone: the next source says
    }
  }
  return 0;
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** The process and all its descendants. */
export function processTree(pid: number): number[] {
  const pids: number[] = [];
  const queue = [pid];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    pids.push(next);
    queue.push(...childrenOf(next));
  }
  return pids;
}

/**
 * The postmaster of the embedded PostgreSQL server that serves a store folder: the first line of
 * `<storeDir>/pgdata/postmaster.pid`, when the file is there and that process is alive.
 */
export function storeServerPid(storeDir: string): number | undefined {
  // A pid that answers EPERM is alive under another user (the server's, when this is root).
  const record = readPostmasterPid(join(storeDir, DATA_FOLDER));
  return record && processAlive(record.pid) ? record.pid : undefined;
}

const mb = (kb: number) => (kb * 1024) / 1e6;

/** Linux's USER_HZ: /proc counts CPU time in these ticks on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    // The command name (field 2) may hold spaces: the fields are counted after its closing paren.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

export interface MemorySample {
  /** The worker and its descendants, MB. */
  workerMb: number;
  /** The store's server and its descendants (not counting the worker's own), MB; 0 with none. */
  storeMb: number;
  totalMb: number;
  /** Whether a store server was found. */
  storeFound: boolean;
  /** The pids of each side in this sample. */
  workerPids: number[];
  storePids: number[];
}

/**
 * One sample: the worker's tree, and the tree of the server in `storeDir`'s postmaster.pid (read
 * again on every sample: the server may start after the worker, or restart). The server is not
 * always the worker's descendant; a pid in both trees counts once, as the store's.
 */
export function sampleMemory(workerPid: number, storeDir?: string): MemorySample {
  // A server the worker started is still its child (detached makes it a session leader, not an
  // orphan), so it is taken out of the worker's tree and counted as the store's.
  const serverPid = storeDir === undefined ? undefined : storeServerPid(storeDir);
  const serverPids = new Set(serverPid === undefined ? [] : processTree(serverPid));
  const workerPids = processTree(workerPid).filter((pid) => !serverPids.has(pid));
  const workerMb = mb(workerPids.reduce((kb, pid) => kb + pssKb(pid), 0));
  const storeMb = mb([...serverPids].reduce((kb, pid) => kb + pssKb(pid), 0));
  return {
    workerMb,
    storeMb,
    totalMb: workerMb + storeMb,
    storeFound: serverPid !== undefined,
    workerPids,
    storePids: [...serverPids],
  };
}

export interface MemoryPeaks {
  /** The highest sum (worker + store server) of one sample. */
  totalMb: number;
  workerMb: number;
  storeMb: number;
  /** Whether any sample found a store server. */
  storeFound: boolean;
}

/** CPU seconds each side used since the sampler started or the last resetPeak(). */
export interface CpuUse {
  workerS: number;
  storeS: number;
}

export interface MemorySampler {
  /** The peaks since the sampler started or the last resetPeak(), with a sample taken now. */
  peaks(): MemoryPeaks;
  /**
   * CPU used since the last resetPeak(), with a sample taken now. A process is read at each sample:
   * one that ends between two samples (a store backend) loses what it used since the last one.
   */
  cpu(): CpuUse;
  resetPeak(): void;
  stop(): void;
}

/** Samples the worker's and its store server's PSS every `everyMs`, keeping the peaks. */
export function sampleMemoryEvery(workerPid: number, storeDir: string | undefined, everyMs = 200): MemorySampler {
  const empty = (): MemoryPeaks => ({ totalMb: 0, workerMb: 0, storeMb: 0, storeFound: false });
  let peaks = empty();
  /** Per process: its side and the CPU seconds it had used at the last sample (and at the baseline). */
  const cpuSeen = new Map<number, { side: keyof CpuUse; used: number; baseline: number }>();
  const take = () => {
    const now = sampleMemory(workerPid, storeDir);
    for (const [side, pids] of [
      ['workerS', now.workerPids],
      ['storeS', now.storePids],
    ] as const) {
      for (const pid of pids) {
        const used = cpuSeconds(pid);
        const seen = cpuSeen.get(pid);
        if (seen) seen.used = Math.max(seen.used, used);
        else cpuSeen.set(pid, { side, used, baseline: 0 });
      }
    }
    peaks = {
      totalMb: Math.max(peaks.totalMb, now.totalMb),
      workerMb: Math.max(peaks.workerMb, now.workerMb),
      storeMb: Math.max(peaks.storeMb, now.storeMb),
      storeFound: peaks.storeFound || now.storeFound,
    };
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    peaks: () => {
      take();
      return peaks;
    },
    cpu: () => {
      take();
      const use: CpuUse = { workerS: 0, storeS: 0 };
      for (const seen of cpuSeen.values()) use[seen.side] += seen.used - seen.baseline;
      return use;
    },
    resetPeak: () => {
      peaks = empty();
      take();
      for (const seen of cpuSeen.values()) seen.baseline = seen.used;
    },
    stop: () => clearInterval(timer),
  };
}
