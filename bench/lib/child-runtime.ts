import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { isToChild, type FromChild } from "./protocol";

export interface StartedServer {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:41234/graphql */
  url: string;
  /** What the run should print about this server (pool size, versions, options). */
  details: Record<string, string | number | boolean>;
  close(): Promise<void>;
}

function send(message: FromChild): void {
  process.send?.(message);
}

/**
 * The body of a server child: starts the server, reports its URL to the parent, answers the
 * profiling requests (V8's sampling profiler through the inspector, over exactly the measured
 * window) and stops when told to, or when the parent goes away.
 */
export function runServerChild(start: () => Promise<StartedServer>): void {
  if (!process.send) {
    console.error("This script is a server child of bench/run.ts (it needs an IPC channel): run `npm run bench`.");
    process.exit(2);
  }
  let server: StartedServer | null = null;
  let session: Session | null = null;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(code), 5_000);
    force.unref();
    try {
      await server?.close();
    } finally {
      process.exit(code);
    }
  };

  process.on("message", (raw: unknown) => {
    if (!isToChild(raw)) return;
    void (async () => {
      switch (raw.type) {
        case "profile-start": {
          session = new Session();
          session.connect();
          await session.post("Profiler.enable");
          await session.post("Profiler.setSamplingInterval", { interval: raw.samplingIntervalUs });
          await session.post("Profiler.start");
          send({ type: "profile-started" });
          break;
        }
        case "profile-stop": {
          if (!session) throw new Error("profile-stop without profile-start");
          const { profile } = await session.post("Profiler.stop");
          session.disconnect();
          session = null;
          writeFileSync(raw.file, JSON.stringify(profile));
          send({ type: "profile-stopped", file: raw.file });
          break;
        }
        case "stop":
          await stop(0);
          break;
      }
    })().catch((error: unknown) => {
      send({ type: "failed", error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    });
  });
  process.on("disconnect", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  process.on("SIGINT", () => void stop(0));

  start()
    .then((started) => {
      server = started;
      send({ type: "ready", url: started.url, details: started.details });
    })
    .catch((error: unknown) => {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(text);
      send({ type: "failed", error: text });
      process.exit(1);
    });
}
