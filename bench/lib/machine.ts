import os from "node:os";

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  postgresKind: "external" | "embedded";
  date: string;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverage: number;
}

export function describeMachine(postgres: string, postgresKind: Machine["postgresKind"]): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown CPU",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres,
    postgresKind,
    date: new Date().toISOString(),
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** `PostgreSQL 17.6 on x86_64-pc-linux-gnu, compiled by …` → `PostgreSQL 17.6`. */
export function shortPostgresVersion(version: string): string {
  return /^PostgreSQL [^\s,]+/.exec(version)?.[0] ?? version;
}

export function machineLines(m: Machine): string[] {
  return [
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}`,
    `Software: Node ${m.node}, ${shortPostgresVersion(m.postgres)} (${m.postgresKind === "embedded" ? "embedded, temporary cluster" : "DATABASE_URL's server"})`,
    `Date: ${m.date} (load average ${m.loadAverage.toFixed(2)} at the start)`,
  ];
}
