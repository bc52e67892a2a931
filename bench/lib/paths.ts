import path from "node:path";

/** `bench/`, whatever the working directory. */
export const BENCH_DIR = path.resolve(__dirname, "..");
/** The repository root (its package.json, src/, dist/, node_modules/). */
export const ROOT_DIR = path.resolve(BENCH_DIR, "..");
/** JSON results and CPU profiles; git-ignored. */
export const RESULTS_DIR = path.join(BENCH_DIR, "results");
