/**
 * What the processes of a benchmark use while it runs (Linux /proc): each worker's RSS over the
 * campaign (so "flat" is visible) and its peak, and the CPU time of the Temporal server, PostgreSQL,
 * the workers and this process, beside how busy the whole machine was — what bounds a rate.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** VmRSS and VmHWM (peak) of a process, in MiB; NaN once it has gone. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

function stat(pid: number): { comm: string; ppid: number; cpu: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const f = s.slice(close + 2).split(' ');
    // After "pid (comm) ": state ppid … utime(12th) stime(13th).
    return {
      comm: s.slice(s.indexOf('(') + 1, close),
      ppid: Number(f[1]),
      cpu: (Number(f[11]) + Number(f[12])) / TICKS,
    };
  } catch {
    return null;
  }
}

/** Processes below `root` (not itself) whose command name is `comm`. */
export function descendantsNamed(root: number, comm: string): number[] {
  const all = new Map<number, { comm: string; ppid: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = stat(Number(d));
    if (s) all.set(Number(d), s);
  }
  const below = (pid: number): boolean => {
    for (let p = all.get(pid)?.ppid; p; p = all.get(p)?.ppid) if (p === root) return true;
    return false;
  };
  return [...all].filter(([pid, s]) => s.comm === comm && below(pid)).map(([pid]) => pid);
}

/** Busy and total CPU seconds of the whole machine so far (/proc/stat). */
function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0) / TICKS;
  const idle = (f[3]! + (f[4] ?? 0)) / TICKS;
  return { busy: total - idle, total };
}

export interface CpuGroups {
  [name: string]: () => number[];
}

/** CPU seconds per group between `start` and `stop` (groups are re-read at each sample: processes come and go). */
export class CpuMeter {
  private readonly seen = new Map<number, { group: string; first: number; last: number }>();
  private machineStart = machineCpu();
  private machineEnd = this.machineStart;
  private loadAtStart = os.loadavg()[0]!;
  private t0 = Date.now();
  private t1 = this.t0;

  constructor(private readonly groups: CpuGroups) {
    this.sample();
  }

  /** Reads every group's processes' CPU time; call it now and then (a process that exits keeps its last reading). */
  sample(): void {
    for (const [group, pids] of Object.entries(this.groups)) {
      for (const pid of pids()) {
        const s = stat(pid);
        if (!s) continue;
        const prev = this.seen.get(pid);
        if (prev) prev.last = s.cpu;
        else this.seen.set(pid, { group, first: s.cpu, last: s.cpu });
      }
    }
    this.machineEnd = machineCpu();
    this.t1 = Date.now();
  }

  /** CPU seconds per group, the machine's busy and total CPU seconds, and the wall time, since the start. */
  usage(): CpuUsage {
    const byGroup = new Map<string, number>();
    for (const s of this.seen.values()) byGroup.set(s.group, (byGroup.get(s.group) ?? 0) + s.last - s.first);
    const busy = this.machineEnd.busy - this.machineStart.busy;
    const known = [...byGroup.values()].reduce((a, b) => a + b, 0);
    return {
      wallS: Math.max((this.t1 - this.t0) / 1000, 0.001),
      byGroup,
      machineBusyS: busy,
      machineTotalS: Math.max(this.machineEnd.total - this.machineStart.total, 0.001),
      otherS: Math.max(0, busy - known),
    };
  }

  /** One line: machine busy %, then each group's CPU seconds and share of one core, the largest first. */
  report(): string {
    const u = this.usage();
    const groups = [...u.byGroup]
      .sort((a, b) => b[1] - a[1])
      .map(([g, s]) => `${g} ${s.toFixed(0)} s (${((100 * s) / u.wallS).toFixed(0)}% of a core)`)
      .join(', ');
    return (
      `over ${u.wallS.toFixed(0)} s: machine ${((100 * u.machineBusyS) / u.machineTotalS).toFixed(0)}% busy on ` +
      `${os.cpus().length} cores (load average ${this.loadAtStart.toFixed(2)} → ${os.loadavg()[0]!.toFixed(2)}); ` +
      `${groups}; everything else on the machine ${u.otherS.toFixed(0)} s`
    );
  }
}

export interface CpuUsage {
  wallS: number;
  byGroup: Map<string, number>;
  machineBusyS: number;
  machineTotalS: number;
  /** Busy CPU seconds of processes outside every group (other work on a shared machine). */
  otherS: number;
}

/**
 * What bounds a rate, from the CPU it used: the machine's busy share, how much of that was other
 * work, and which of the stack's processes took most of the rest (per core, so a single-threaded
 * process at 100 % is visible).
 */
export function describeBound(u: CpuUsage): string {
  const cores = os.cpus().length;
  const busyPct = (100 * u.machineBusyS) / u.machineTotalS;
  const stack = [...u.byGroup.values()].reduce((a, b) => a + b, 0);
  const top = [...u.byGroup].sort((a, b) => b[1] - a[1])[0];
  const share = (s: number) => `${((100 * s) / Math.max(u.machineBusyS, 0.001)).toFixed(0)}%`;
  const saturated =
    busyPct >= 90 ? `the ${cores} cores were saturated` : `the cores had room (${busyPct.toFixed(0)}% busy)`;
  return (
    `${saturated}; other work on the machine took ${share(u.otherS)} of the busy CPU, this stack ${share(stack)}` +
    (top ? `, most of it the ${top[0]} (${((100 * top[1]) / u.wallS).toFixed(0)}% of a core)` : '')
  );
}

/** Each worker's RSS through the campaign: samples taken as numbers finish, printed at each tenth. */
export class RssTrajectory {
  private readonly samples: Array<{ done: number; rss: number[] }> = [];

  constructor(private readonly pids: () => number[]) {}

  sample(done: number): void {
    this.samples.push({ done, rss: this.pids().map((p) => memoryOf(p).rss) });
  }

  /** Lines: per worker, its peak (VmHWM) and its RSS at 10 %, 20 %, … 100 % of the numbers done. */
  report(total: number): string[] {
    return this.pids().map((pid, w) => {
      const at = (q: number) =>
        this.samples.find((s) => s.done >= (q * Math.max(total, 1)) / 10)?.rss[w] ?? this.samples.at(-1)?.rss[w] ?? NaN;
      const tenths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((q) => at(q).toFixed(0)).join(' ');
      const peak = memoryOf(pid).peak.toFixed(0);
      return `worker ${w + 1} (pid ${pid}) RSS: peak ${peak} MiB; at 10 %…100 % of numbers done: ${tenths} MiB`;
    });
  }
}
