import type { EventEmitter } from "node:events";
import { cpuBetween, cpuSnapshot, type CpuUsage, type PgProcesses } from "./cpu";
import { benchRequire } from "./modules";

/** The part of autocannon 9's API the bench uses (autocannon ships no types). */
interface AutocannonOptions {
  url: string;
  method: "POST" | "GET";
  headers: Record<string, string>;
  body: string;
  connections: number;
  pipelining: number;
  duration: number;
  timeout: number;
  verifyBody?: (body: string) => boolean;
}

interface AutocannonHistogram {
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
  resets: number;
  "2xx": number;
  requests: AutocannonHistogram & { total: number; sent: number };
  latency: AutocannonHistogram;
  throughput: AutocannonHistogram & { total: number };
}

interface AutocannonInstance extends EventEmitter {
  stop(): void;
}

type Autocannon = (options: AutocannonOptions, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

export interface LoadTarget {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** A response is right when its body is exactly this (checked beforehand: 200, data, 50 edges). */
  expectedBody: string;
}

export interface LoadResult {
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  /** Latency of every response, in milliseconds, from the load generator's clock. */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Connection errors + timeouts + non-2xx + bodies other than the expected one. */
  errors: number;
  errorDetail: { connection: number; timeouts: number; non2xx: number; wrongBody: number; resets: number };
  bytesPerSecond: number;
  cpu: CpuUsage;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

/**
 * Keeps `connections` keep-alive connections busy with the same POST for `seconds`, records the
 * latency of every response (autocannon's own histogram only keeps whole milliseconds) and the
 * CPU time of the server, PostgreSQL and this process over the window.
 */
export function runLoad(target: LoadTarget, options: { connections: number; seconds: number; serverPid: number; pg: PgProcesses | null }): Promise<LoadResult> {
  const autocannon = benchRequire<Autocannon>("autocannon");
  const latencies: number[] = [];
  const before = cpuSnapshot(options.serverPid, options.pg);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: "POST",
        headers: target.headers,
        body: target.body,
        connections: options.connections,
        pipelining: 1,
        duration: options.seconds,
        timeout: 10,
        verifyBody: (body) => body === target.expectedBody,
      },
      (error, result) => {
        if (error) return reject(error);
        const after = cpuSnapshot(options.serverPid, options.pg);
        const sorted = Float64Array.from(latencies).sort();
        const mean = latencies.reduce((s, v) => s + v, 0) / (latencies.length || 1);
        const errorDetail = {
          connection: result.errors - result.timeouts,
          timeouts: result.timeouts,
          non2xx: result.non2xx,
          wrongBody: result.mismatches,
          resets: result.resets,
        };
        resolve({
          seconds: result.duration,
          requests: latencies.length,
          requestsPerSecond: latencies.length / result.duration,
          latencyMs: {
            p50: percentile(sorted, 50),
            p90: percentile(sorted, 90),
            p99: percentile(sorted, 99),
            max: percentile(sorted, 100),
            mean,
          },
          // autocannon's `errors` already counts the timeouts.
          errors: result.errors + result.non2xx + result.mismatches,
          errorDetail,
          bytesPerSecond: result.throughput.total / result.duration,
          cpu: cpuBetween(before, after),
        });
      },
    );
    instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
      latencies.push(responseTimeMs);
    });
  });
}
