import { fork, type ChildProcess } from "node:child_process";
import { ROOT_DIR } from "./paths";
import { isFromChild, type FromChild, type ToChild } from "./protocol";

export interface ServerChild {
  name: string;
  url: string;
  pid: number;
  details: Record<string, string | number | boolean>;
  /** The last lines the child wrote, for error messages. */
  output(): string;
  startProfile(samplingIntervalUs: number): Promise<void>;
  stopProfile(file: string): Promise<string>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Children die with the run, however it ends. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGKILL");
  });
}

function waitFor<T extends FromChild["type"]>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
  describe: () => string,
): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${describe()}: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (raw: unknown) => {
      if (!isFromChild(raw)) return;
      if (raw.type === "failed") finish(new Error(`${describe()} failed:\n${raw.error}`));
      else if (raw.type === type) finish(null, raw as Extract<FromChild, { type: T }>);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => finish(new Error(`${describe()} exited (${code ?? signal}) before "${type}"`));
    const finish = (error: Error | null, value?: Extract<FromChild, { type: T }>) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve(value as Extract<FromChild, { type: T }>);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

/**
 * Starts a server in a child process of its own (so that the load generator never shares its
 * event loop), TypeScript through ts-node's transpile-only hook, and waits for its URL.
 */
export async function startServerChild(options: { name: string; script: string; env: Record<string, string>; timeoutMs?: number }): Promise<ServerChild> {
  installExitHook();
  const child = fork(options.script, [], {
    cwd: ROOT_DIR,
    execArgv: ["-r", "ts-node/register/transpile-only"],
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", ...options.env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  running.add(child);
  child.on("exit", () => running.delete(child));
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const output = () => lines.join("\n");
  const describe = () => `${options.name} (pid ${child.pid ?? "?"})${lines.length ? `\n${output()}` : ""}`;
  const send = (message: ToChild) => child.send(message);

  const ready = await waitFor(child, "ready", options.timeoutMs ?? 120_000, describe);
  return {
    name: options.name,
    url: ready.url,
    pid: child.pid ?? -1,
    details: ready.details,
    output,
    async startProfile(samplingIntervalUs) {
      const started = waitFor(child, "profile-started", 10_000, describe);
      send({ type: "profile-start", samplingIntervalUs });
      await started;
    },
    async stopProfile(file) {
      const stopped = waitFor(child, "profile-stopped", 60_000, describe);
      send({ type: "profile-stop", file });
      return (await stopped).file;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
      if (child.connected) send({ type: "stop" });
      else child.kill("SIGTERM");
      await exited;
      clearTimeout(kill);
    },
  };
}
