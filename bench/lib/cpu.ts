import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time of processes from /proc (Linux), to tell where the machine's cores went during a
 * measured window: the server under test, PostgreSQL and the load generator.
 */
let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** user + system CPU seconds of one process, or null when /proc cannot tell. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
    return (utime + stime) / clockTicks();
  } catch {
    return null;
  }
}

/** The parent pid of a process, or null. */
export function parentPid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) ? ppid : null;
  } catch {
    return null;
  }
}

/** Which PostgreSQL processes belong to the benchmark: the backends of its database. */
export interface PgProcesses {
  postmasterPid: number;
  database: string;
}

/**
 * CPU seconds of the backends serving `database` (children of the postmaster whose title names
 * the database), so that other databases on a shared server do not count.
 */
export function postgresCpuSeconds(pg: PgProcesses): number | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  let total = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (parentPid(pid) !== pg.postmasterPid) continue;
    try {
      // "postgres: <user> <database> <host>(<port>) <state>"
      const title = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      if (!title.split(/\s+/).includes(pg.database)) continue;
    } catch {
      continue;
    }
    total += processCpuSeconds(pid) ?? 0;
  }
  return total;
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineBusySeconds(): number | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
    return (user + nice + system + irq + softirq + steal) / clockTicks();
  } catch {
    return null;
  }
}

export interface CpuSnapshot {
  server: number | null;
  postgres: number | null;
  loadGenerator: number;
  machine: number | null;
  at: number;
}

export function cpuSnapshot(serverPid: number, pg: PgProcesses | null): CpuSnapshot {
  const self = process.cpuUsage();
  return {
    server: processCpuSeconds(serverPid),
    postgres: pg ? postgresCpuSeconds(pg) : null,
    loadGenerator: (self.user + self.system) / 1e6,
    machine: machineBusySeconds(),
    at: performance.now(),
  };
}

export interface CpuUsage {
  wallSeconds: number;
  /** CPU seconds over the window; `other` is every other process on the machine. */
  seconds: { server: number | null; postgres: number | null; loadGenerator: number; other: number | null };
  /** Cores busy on average over the window. */
  cores: { server: number | null; postgres: number | null; loadGenerator: number; other: number | null };
}

export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const wall = (after.at - before.at) / 1000;
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  const server = diff(before.server, after.server);
  const postgres = diff(before.postgres, after.postgres);
  const loadGenerator = after.loadGenerator - before.loadGenerator;
  const machine = diff(before.machine, after.machine);
  const other = machine === null ? null : Math.max(0, machine - (server ?? 0) - (postgres ?? 0) - loadGenerator);
  const per = (s: number | null) => (s === null ? null : s / wall);
  return {
    wallSeconds: wall,
    seconds: { server, postgres, loadGenerator, other },
    cores: { server: per(server), postgres: per(postgres), loadGenerator: loadGenerator / wall, other: per(other) },
  };
}
