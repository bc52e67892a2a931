/**
 * Runs the consortium solver on an input written by dump-consortium-input.ts, `runs` times
 * (default 5), and prints the time of each run and the result's shape.
 */
import { readFileSync } from "node:fs";
import { suggestConsortia, type ConsortiumInput } from "../../src/matching/consortium";

const [file, runsArg] = process.argv.slice(2);
if (!file) throw new Error("usage: solve-input.ts <input.json> [runs]");
const input = JSON.parse(readFileSync(file, "utf8")) as ConsortiumInput;
const cpuMs: number[] = [];
for (let r = 0; r < Number(runsArg ?? 5); r++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const result = suggestConsortia(input);
  const cpu = process.cpuUsage(c0);
  cpuMs.push((cpu.user + cpu.system) / 1000);
  const ms = performance.now() - t0;
  const teams = result.suggestions.map((s) => `${s.memberCount}:${s.score}:${s.members.map((m) => m.id.slice(0, 4)).join("+")}`);
  console.log(`${ms.toFixed(1)} ms (CPU ${(cpuMs[r] ?? 0).toFixed(1)} ms) exact=${result.exact} ${teams.join(" | ")}`);
}
console.log(`CPU ms: min ${Math.min(...cpuMs).toFixed(1)}, median ${[...cpuMs].sort((a, b) => a - b)[Math.floor((cpuMs.length - 1) / 2)]?.toFixed(1)}`);
