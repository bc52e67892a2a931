import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { BuildOptions } from "esbuild";

/**
 * The editor page's script: src/web/editor/app.ts with CodeMirror, y-codemirror.next and the
 * provider, bundled by esbuild into one file. `npm run build` writes it to dist/web/editor.js;
 * a server run from source (ts-node, tests) bundles it in memory at the first request, so it never
 * serves a stale build; so does a built server that finds no bundle.
 */

/** The repository's root: the first folder above this file holding package.json (src/web or dist/src/web). */
function rootDir(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const EDITOR_BUNDLE = path.join(rootDir(), "dist", "web", "editor.js");
const ENTRY = path.join(rootDir(), "src", "web", "editor", "app.ts");

function options(): BuildOptions {
  return {
    entryPoints: [ENTRY],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    // One copy of Yjs: the provider require()s it and y-codemirror.next imports it, and esbuild's
    // default "module" condition resolves both to its ES build (two copies would break its checks).
    logLevel: "silent",
  };
}

/** Writes the bundle (npm run build); returns its size in bytes. */
export async function writeEditorBundle(outfile = EDITOR_BUNDLE): Promise<number> {
  const esbuild = await import("esbuild");
  await esbuild.build({ ...options(), outfile });
  return (await readFile(outfile)).length;
}

const BUILT = __dirname.split(path.sep).includes("dist");

/** The bundle: dist's for a built server, otherwise bundled now from the sources. */
export async function editorBundle(): Promise<string> {
  if (BUILT && existsSync(EDITOR_BUNDLE)) return readFile(EDITOR_BUNDLE, "utf8");
  // In a child process: esbuild's API refuses to run inside jest's sandbox (its Uint8Array is
  // another realm's), and the server's process stays free of esbuild.
  const dir = await mkdtemp(path.join(tmpdir(), "scopgraph-editor-"));
  try {
    const outfile = path.join(dir, "editor.js");
    const load = __filename.endsWith(".ts") ? 'require("ts-node").register({ transpileOnly: true });' : "";
    const script = `${load} require(${JSON.stringify(__filename)}).writeEditorBundle(${JSON.stringify(outfile)}).catch((e) => { console.error(e); process.exit(1); });`;
    await promisify(execFile)(process.execPath, ["-e", script], { cwd: rootDir() });
    return await readFile(outfile, "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
