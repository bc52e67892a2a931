import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { BuildOptions, Plugin } from "esbuild";

/**
 * The editor page's script: src/web/editor/app.ts with CodeMirror, y-codemirror.next and the
 * provider, bundled by esbuild into one file. `npm run build` writes it to dist/web/editor.js;
 * a server started without it (ts-node, tests) bundles it in memory at the first request.
 */

/** The repository's root: the first folder above this file holding package.json (src/web or dist/src/web). */
function rootDir(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const EDITOR_BUNDLE = path.join(rootDir(), "dist", "web", "editor.js");
const ENTRY = path.join(rootDir(), "src", "web", "editor", "app.ts");

/**
 * One copy of Yjs, y-protocols and lib0: the provider require()s them (CommonJS build) and
 * y-codemirror.next imports them (ES modules); two copies of Yjs break its type checks.
 */
const ONE_YJS: Plugin = {
  name: "one-yjs",
  setup(build) {
    build.onResolve({ filter: /^(yjs|y-protocols|lib0)(\/|$)/ }, async (args) => {
      if (args.kind !== "require-call") return undefined;
      const resolved = await build.resolve(args.path, { kind: "import-statement", resolveDir: args.resolveDir });
      return resolved.errors.length ? undefined : { path: resolved.path };
    });
  },
};

function options(): BuildOptions {
  return {
    entryPoints: [ENTRY],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    plugins: [ONE_YJS],
    logLevel: "silent",
  };
}

/** Writes the bundle (npm run build); returns its size in bytes. */
export async function writeEditorBundle(outfile = EDITOR_BUNDLE): Promise<number> {
  const esbuild = await import("esbuild");
  await esbuild.build({ ...options(), outfile });
  return (await readFile(outfile)).length;
}

/** The bundle: dist's when built, otherwise bundled now in memory (development without a build). */
export async function editorBundle(): Promise<string> {
  if (existsSync(EDITOR_BUNDLE)) return readFile(EDITOR_BUNDLE, "utf8");
  const esbuild = await import("esbuild");
  const result = await esbuild.build({ ...options(), write: false, outfile: "editor.js" });
  const file = result.outputFiles?.[0];
  if (!file) throw new Error("esbuild produced no editor bundle");
  return file.text;
}
