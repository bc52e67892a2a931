import { Router } from "express";
import { editorBundle } from "./editor-bundle";

/**
 * The development editor page (`GET /editor`, on when the explorer is: EXPLORER, off in
 * production): a static page and its one script, `/editor/app.js` (src/web/editor/app.ts bundled
 * by esbuild), both from this server; no inline script, nothing from elsewhere.
 */

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>Scopgraph editor</title>
<link rel="stylesheet" href="/editor/app.css" />
<script src="/editor/app.js" defer></script>
</head>
<body>
<header><strong>Scopgraph editor</strong> <span id="who"></span> <span id="status" data-status="disconnected">disconnected</span></header>
<form id="signin" autocomplete="off">
  <input id="email" type="email" placeholder="email" />
  <input id="password" type="password" placeholder="password" />
  <span>or</span>
  <input id="token" type="password" placeholder="paste a token" />
  <button id="signin-button" type="submit">Sign in</button>
</form>
<form id="pick" hidden>
  <label>Bid <select id="bid"></select></label>
  <label>Section <select id="section"></select></label>
  <button id="open" type="submit">Open</button>
</form>
<p id="message" aria-live="polite"></p>
<main id="editor"></main>
</body>
</html>
`;

const STYLE = `[hidden] { display: none !important; }
body { margin: 0; font: 14px system-ui, sans-serif; color: #222; }
header, form, #message { display: flex; gap: 8px; align-items: center; padding: 6px 12px; margin: 0; }
header { border-bottom: 1px solid #ddd; }
#who { color: #555; }
#status { margin-left: auto; font-size: 12px; padding: 2px 8px; border-radius: 8px; background: #eee; }
#status[data-status="connected"] { background: #d5f5e3; }
#message:empty { display: none; }
#editor { margin: 8px 12px; border: 1px solid #ddd; }
#editor .cm-editor { min-height: 240px; }
`;

/** Its own policy: scripts, styles and connections from this origin (CodeMirror sets inline styles). */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  // 'self' covers ws:// and wss:// on this host.
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join("; ");

export function editorRoutes(enabled: boolean): Router {
  const router = Router();
  if (!enabled) return router;
  let script: Promise<string> | null = null;
  router.get("/editor", (_req, res) => {
    res.setHeader("Content-Security-Policy", CSP);
    res.type("html").send(PAGE);
  });
  router.get("/editor/app.css", (_req, res) => {
    res.type("css").send(STYLE);
  });
  router.get("/editor/app.js", (_req, res, next) => {
    script ??= editorBundle();
    script.then(
      (code) => res.type("js").send(code),
      (error: unknown) => {
        script = null;
        next(error);
      },
    );
  });
  return router;
}
