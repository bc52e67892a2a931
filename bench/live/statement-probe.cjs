/**
 * A probe to load into the Scopgraph server under bench/live:
 *
 *   LIVE_BENCH_NODE_ARGS="--require ./bench/live/statement-probe.cjs" npx ts-node --transpile-only bench/live/main.ts --from dist
 *
 * Every 5 s it prints on stderr the round trip of the text-update statement (the named
 * `bid_apply_section_update_x*` statements of src/bids/section-writer.ts, from the call to its
 * answer after commit: p50, p90, p99, max) and the server's event-loop delay (p99, max). It shows
 * how much of a delivery's latency is the commit itself, on the machine at hand.
 */
"use strict";
const { monitorEventLoopDelay } = require("node:perf_hooks");
const pg = require(require.resolve("pg", { paths: [process.cwd()] }));

const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
let times = [];
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  const answer = query.call(this, config, ...rest);
  const timed = config !== null && typeof config === "object" && typeof config.name === "string" && config.name.startsWith("bid_apply_section_update");
  if (timed && answer && typeof answer.then === "function") {
    const started = performance.now();
    answer.then(() => times.push(performance.now() - started), () => undefined);
  }
  return answer;
};

const at = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))].toFixed(1);
setInterval(() => {
  if (times.length) {
    const sorted = times.sort((a, b) => a - b);
    process.stderr.write(
      `[statement-probe] ${sorted.length} text-update statements: round trip p50 ${at(sorted, 50)} p90 ${at(sorted, 90)} p99 ${at(sorted, 99)} max ${sorted[sorted.length - 1].toFixed(1)} ms; ` +
        `event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} max ${(loop.max / 1e6).toFixed(1)} ms\n`,
    );
  }
  times = [];
  loop.reset();
}, 5000).unref();
