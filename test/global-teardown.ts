import { rmSync } from "node:fs";

export default async function globalTeardown(): Promise<void> {
  await globalThis.__EMBEDDED_PG__?.stop();
  const dir = process.env.SCOPGRAPH_EMBEDDED_TEST_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
