/**
 * A probe loaded into the Scopgraph server under bench/live (`node --require`): it times the
 * round trip of the text-update statement, the named `bid_apply_section_updates` statement of
 * src/bids/sections/section-writer.ts, from the call to the answer after commit. That is the floor under
 * every delivery's latency (an event fans out once committed), apart from the fan-out itself.
 *
 * Started by bench/live (with an IPC channel), it answers {probe: "start"} and {probe: "stop"}
 * from the bench, replying to "stop" with the round trips in between. Loaded by hand instead,
 *
 *   LIVE_BENCH_NODE_ARGS="--require ./bench/live/statement-probe.cjs" npx ts-node --transpile-only bench/live/main.ts --from dist
 *
 * it prints every 5 s on stderr the round trips (p50, p90, p99, max) and the event-loop delay.
 * Its cost: one performance.now() and one `then` per statement.
 */
"use strict";
const { monitorEventLoopDelay } = require("node:perf_hooks");
const pg = require(require.resolve("pg", { paths: [process.cwd()] }));

let times = [];
let recording = !process.send;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  const answer = query.call(this, config, ...rest);
  const timed =
    recording && config !== null && typeof config === "object" && typeof config.name === "string" && config.name.startsWith("bid_apply_section_update");
  if (timed && answer && typeof answer.then === "function") {
    const started = performance.now();
    answer.then(
      () => times.push(performance.now() - started),
      () => undefined,
    );
  }
  return answer;
};

if (process.send) {
  process.on("message", (message) => {
    if (message === null || typeof message !== "object") return;
    if (message.gc) {
      // A full collection before the bench reads the resident memory (bench/live/index.ts).
      if (typeof global.gc === "function") global.gc();
      process.send({ gc: true, heapUsed: process.memoryUsage().heapUsed });
    } else if (message.probe === "start") {
      times = [];
      recording = true;
    } else if (message.probe === "stop") {
      recording = false;
      process.send({ probe: "statements", times });
      times = [];
    }
  });
  // The channel must not keep the server alive when it is asked to stop.
  process.channel?.unref();
} else {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
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
}
