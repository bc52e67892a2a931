import { createHash } from "node:crypto";
import type { RequestHandler } from "express";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { prefersHtml } from "../http/media-types";
import { TOUR } from "./tour";

/**
 * The local explorer: GraphiQL served by the server itself, every script and style inline (the
 * bundle of `@graphql-yoga/render-graphiql`), so it works offline and loads nothing from
 * elsewhere. Queries and mutations go over HTTP, subscriptions over graphql-ws on the same path.
 *
 * The bearer token lives in one field above the editor: GraphiQL's headers reach HTTP requests
 * but never a socket's `connection_init`, where the server reads the token, so a small script
 * adds the field's token to both (and a `signIn` answer fills the field).
 */

const TOKEN_BAR = `
<form id="scopgraph-token" autocomplete="off">
  <label for="scopgraph-token-input">Bearer token</label>
  <input id="scopgraph-token-input" type="password" autocomplete="off" spellcheck="false" placeholder="sign in (first tab) or paste a token: sent as Authorization over HTTP and in connection_init over WebSocket" />
  <button id="scopgraph-token-clear" type="button">Clear</button>
  <span id="scopgraph-token-state" aria-live="polite"></span>
</form>`;

const TOKEN_STYLE = `
<style>
  html, body { height: 100%; margin: 0; }
  body { display: flex; flex-direction: column; }
  #root { flex: 1; min-height: 0; height: auto; }
  #scopgraph-token { display: flex; gap: 8px; align-items: center; padding: 6px 12px; font: 13px system-ui, sans-serif; border-bottom: 1px solid #ddd; }
  #scopgraph-token input { flex: 1; font: 12px ui-monospace, monospace; padding: 4px 6px; }
  #scopgraph-token-state { color: #666; min-width: 7em; }
</style>`;

/**
 * Runs before GraphiQL's bundle, which captures `fetch` and `WebSocket` when it loads: both
 * carry the field's token. The token stays in this tab's sessionStorage only.
 */
const TOKEN_SCRIPT = `
<script>
(function () {
  var KEY = "scopgraph.token";
  var endpoint = new URL(location.pathname, location.href);
  function token() { return (sessionStorage.getItem(KEY) || "").trim().replace(/^Bearer\\s+/i, ""); }
  function bearer() { return token() ? "Bearer " + token() : ""; }
  function show() {
    var state = document.getElementById("scopgraph-token-state");
    if (state) state.textContent = token() ? "token set" : "anonymous";
  }
  function setToken(value) {
    sessionStorage.setItem(KEY, value);
    var input = document.getElementById("scopgraph-token-input");
    if (input && input.value !== value) input.value = value;
    show();
  }
  var nativeFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = new URL(typeof input === "string" || input instanceof URL ? String(input) : input.url, location.href);
    var ours = url.origin === endpoint.origin && url.pathname === endpoint.pathname;
    if (ours && bearer()) {
      var headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
      if (!headers.has("authorization")) headers.set("authorization", bearer());
      init = Object.assign({}, init, { headers: headers });
    }
    var answer = nativeFetch(input, init);
    if (!ours) return answer;
    return answer.then(function (response) {
      response.clone().json().then(function (body) {
        var signedIn = body && body.data && body.data.signIn;
        if (signedIn && typeof signedIn.token === "string") setToken(signedIn.token);
      }, function () {});
      return response;
    });
  };
  var NativeWebSocket = window.WebSocket;
  function TokenWebSocket(url, protocols) {
    var socket = new NativeWebSocket(url, protocols);
    var send = socket.send.bind(socket);
    socket.send = function (data) {
      if (typeof data === "string" && bearer()) {
        try {
          var message = JSON.parse(data);
          if (message && message.type === "connection_init") {
            message.payload = Object.assign({}, message.payload, { authorization: bearer() });
            data = JSON.stringify(message);
          }
        } catch (e) {}
      }
      send(data);
    };
    return socket;
  }
  TokenWebSocket.prototype = NativeWebSocket.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (k) { TokenWebSocket[k] = NativeWebSocket[k]; });
  window.WebSocket = TokenWebSocket;
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("scopgraph-token-input");
    document.getElementById("scopgraph-token").addEventListener("submit", function (e) { e.preventDefault(); });
    input.value = token();
    input.addEventListener("input", function () { setToken(input.value.trim()); });
    document.getElementById("scopgraph-token-clear").addEventListener("click", function () { setToken(""); });
    show();
  });
})();
</script>`;

export interface ExplorerPage {
  html: string;
  /** The page's own policy: its inline scripts by hash, connections to this origin only. */
  csp: string;
}

function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
    hashes.push(
      `'sha256-${createHash("sha256")
        .update(match[1] ?? "")
        .digest("base64")}'`,
    );
  }
  return hashes;
}

export function renderExplorer(): ExplorerPage {
  const graphiql = renderGraphiQL({
    title: "Scopgraph explorer",
    subscriptionsProtocol: "WS",
    defaultTabs: TOUR.map((op) => ({ query: op.query, variables: op.variables ? JSON.stringify(op.variables, null, 2) : null })),
    defaultEditorToolsVisibility: "variables",
    shouldPersistHeaders: false,
  });
  const html = graphiql.replace("</head>", `${TOKEN_STYLE}${TOKEN_SCRIPT}</head>`).replace('<div id="root"></div>', `${TOKEN_BAR}<div id="root"></div>`);
  const csp = [
    "default-src 'self'",
    // GraphiQL's bundle is one inline script; Monaco's workers start from blob: URLs.
    `script-src 'self' ${inlineScriptHashes(html).join(" ")} blob:`,
    "worker-src 'self' blob:",
    // Monaco sets inline styles as it lays out the editors.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    // 'self' covers ws:// and wss:// on this host.
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join("; ");
  return { html, csp };
}

/**
 * `GET /graphql` from a browser (it prefers HTML): the explorer when enabled, rendered once (a
 * `?query=` opens in its editor). When disabled, a short answer saying so (406: this path serves
 * GraphQL results, not pages), unless the GET carries an operation; any other request goes on
 * to GraphQL.
 */
export function explorerRoute(enabled: boolean): RequestHandler {
  let page: ExplorerPage | null = null;
  return (req, res, next) => {
    if (!prefersHtml(req.method, req.get("accept"))) {
      next();
      return;
    }
    if (!enabled) {
      // A browser's GET carrying an operation is still answered, in JSON, as before.
      if (typeof req.query.query === "string") {
        next();
        return;
      }
      res.status(406).json({
        errors: [
          {
            message: "This server serves no explorer (EXPLORER=false). Send GraphQL requests accepting application/json or application/graphql-response+json.",
            extensions: { code: "NOT_ACCEPTABLE" },
          },
        ],
      });
      return;
    }
    page ??= renderExplorer();
    res.setHeader("Content-Security-Policy", page.csp);
    res.type("html").send(page.html);
  };
}
