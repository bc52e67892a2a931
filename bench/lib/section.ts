import type { BenchOptions } from "./args";
import type { PgServer } from "./database";
import type { Machine } from "./machine";

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface SectionContext {
  options: BenchOptions;
  pg: PgServer;
  machine: Machine;
  /** Where Scopgraph's server code comes from for the children: dist/ (compiled) or src/ (ts-node). */
  scopgraphFrom: "dist" | "src";
  /** Prefix of the files this run writes under bench/results/. */
  resultsPrefix: string;
  log(line: string): void;
}

export interface SectionReport {
  /** What to print: tables and notes. */
  text: string;
  /** The same figures, for bench/results/*.json. */
  json: Json;
}

/**
 * One benchmark of `npm run bench` (read today; matching, live and load later): a module under
 * bench/<name>/ whose default export is a Section, loaded only when the section runs.
 */
export interface Section {
  name: string;
  title: string;
  run(context: SectionContext): Promise<SectionReport>;
}
