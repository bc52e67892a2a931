// A worker thread of bench/live hosting some of the co-editors (editors.ts): loads the
// TypeScript through ts-node as the bench itself runs, then answers the main thread's requests
// ({id, op: "open" | "phase" | "throughput" | "close", arg}) with {id, result} or {id, error}.
"use strict";
require("ts-node").register({ transpileOnly: true });
const { parentPort } = require("node:worker_threads");
// The load generator yields to the servers: nice 19 for this thread (on Linux, priority 0 names
// the calling thread, so the bench's main thread and the servers keep theirs). Same for both systems.
try {
  require("node:os").setPriority(0, 19);
} catch {
  // not permitted here: the editors run at the bench's priority
}
const { EditorGroup } = require("./editors.ts");

const group = new EditorGroup();
parentPort.on("message", async ({ id, op, arg }) => {
  try {
    const result =
      op === "open" ? await group.open(arg) : op === "phase" ? await group.phase(arg) : op === "throughput" ? await group.throughput(arg) : await group.close();
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.stack ? error.stack : error) });
  }
});
