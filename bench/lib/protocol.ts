/** Messages between bench/run.ts and a server child, over the fork IPC channel. */
export type ToChild = { type: "profile-start"; samplingIntervalUs: number } | { type: "profile-stop"; file: string } | { type: "stop" };

export type FromChild =
  | { type: "ready"; url: string; details: Record<string, string | number | boolean> }
  | { type: "profile-started" }
  | { type: "profile-stopped"; file: string }
  | { type: "failed"; error: string };

export function isToChild(value: unknown): value is ToChild {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

export function isFromChild(value: unknown): value is FromChild {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}
