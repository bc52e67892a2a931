/**
 * An ablation for bench/live, never for a server anyone uses: loaded into the Scopgraph server
 * (`node --require`), it replaces the section writer's statement (src/bids/sections/section-writer.ts)
 * with an answer of OK and a made-up seq one event-loop turn later. No statement, no commit, no
 * NOTIFY, no durable event, no compaction: what is left is the relay, the GraphQL mutation and its
 * acknowledgement. It measures what the durable path costs the server per update:
 *
 *   npm run build
 *   LIVE_BENCH_NODE_ARGS="--require ./bench/live/ablate-commit.cjs" npx ts-node --transpile-only bench/live/main.ts --from dist
 *
 * and the same without LIVE_BENCH_NODE_ARGS, interleaved. Only the latency phase's relayed
 * latency and server CPU mean anything under it (nothing is durable; the throughput phases count
 * acknowledgements of nothing). Scopgraph from dist/ only.
 */
"use strict";
const path = require("node:path");

const { SectionWriter } = require(path.join(process.cwd(), "dist/src/bids/sections/section-writer.js"));
let seq = 1e9;
SectionWriter.prototype.write = async function write(batch) {
  await new Promise((resolve) => setImmediate(resolve));
  return batch.map(() => ({ outcome: "OK", seq: ++seq, notice: null, bid_status: null }));
};
process.stderr.write("[ablate-commit] the section writer commits nothing in this server: not a durable run\n");
