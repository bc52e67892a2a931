// The peer of bench/live: a Hocuspocus 3.4 server, as its docs start one, in its own process so
// that its memory is measured alone. Documents stay in memory (its default; no persistence
// extension). Prints "ready <port>" on stdout once listening.
"use strict";
const { Server } = require("@hocuspocus/server");

const port = Number(process.argv[2] || 0);
const server = new Server({ port, address: "127.0.0.1", quiet: true });
server.listen().then(() => {
  process.stdout.write(`ready ${port}\n`);
});
// The bench asks for a full collection before it reads the resident memory (bench/live/index.ts).
if (process.send) {
  process.on("message", (message) => {
    if (message && message.gc && typeof global.gc === "function") global.gc();
    process.send({ gc: true, heapUsed: process.memoryUsage().heapUsed });
  });
  process.channel?.unref();
}
process.on("SIGTERM", () => {
  server.destroy().finally(() => process.exit(0));
});
