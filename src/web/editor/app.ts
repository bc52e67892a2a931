/**
 * The development editor page (served at /editor, bundled by esbuild into one script): sign in
 * (email and password, or a pasted token), pick a bid and a section, co-edit it in CodeMirror 6
 * bound by y-codemirror.next to a SectionProvider; the other editors' cursors come from the
 * awareness. Browser code: its own tsconfig (DOM types), not part of the server's build.
 */
import { EditorView, basicSetup } from "codemirror";
import { yCollab } from "y-codemirror.next";
import { SectionProvider, Y } from "../../client";

const TOKEN_KEY = "scopgraph.token";
const ENDPOINT = new URL("/graphql", location.href).toString();
const COLOURS = ["#c0392b", "#2471a3", "#1e8449", "#7d3c98", "#b9770e", "#148f77", "#a04000", "#2e4053"];

interface SectionChoice {
  id: string;
  title: string;
}
interface BidChoice {
  id: string;
  title: string;
  sections: SectionChoice[];
}

/** What the page exposes to tests and to the console: the provider and the view of the open section. */
export interface EditorHandle {
  provider: SectionProvider;
  view: EditorView;
  text(): string;
}
declare global {
  interface Window {
    scopgraphEditor?: EditorHandle;
  }
}

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found as T;
}

function say(text: string): void {
  el("message").textContent = text;
}

async function gql<T>(query: string, variables: Record<string, unknown>, token: string | null): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/graphql-response+json, application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const answer = await fetch(ENDPOINT, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = (await answer.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.map((e) => e.message).join("; ") ?? `HTTP ${answer.status}`);
  return body.data;
}

function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

function colourOf(id: string): string {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return COLOURS[h % COLOURS.length] ?? "#333333";
}

let me: { id: string; name: string } | null = null;
let bids: BidChoice[] = [];
let current: EditorHandle | null = null;

async function loadBids(): Promise<void> {
  const data = await gql<{ viewer: { id: string; name: string } | null; bids: { edges: { node: BidChoice }[] } }>(
    "query EditorBids { viewer { id name } bids(first: 50) { edges { node { id title sections { id title } } } } }",
    {},
    token(),
  );
  if (!data.viewer) throw new Error("The token is not valid: sign in again.");
  me = data.viewer;
  bids = data.bids.edges.map((e) => e.node);
  el("who").textContent = `${me.name}`;
  const bidSelect = el<HTMLSelectElement>("bid");
  bidSelect.replaceChildren(...bids.map((b) => new Option(b.title, b.id)));
  showSections();
  el("signin").hidden = true;
  el("pick").hidden = false;
  say(bids.length ? "Pick a section and open it." : "You see no bid yet.");
}

function showSections(): void {
  const bid = bids.find((b) => b.id === el<HTMLSelectElement>("bid").value);
  el<HTMLSelectElement>("section").replaceChildren(...(bid?.sections ?? []).map((s) => new Option(s.title, s.id)));
}

function open(sectionId: string): void {
  current?.provider.destroy();
  current?.view.destroy();
  if (!me) return;
  const provider = new SectionProvider({
    url: ENDPOINT,
    sectionId,
    token: () => token() ?? "",
    onToken: (renewed) => sessionStorage.setItem(TOKEN_KEY, renewed),
    name: `editor-${Math.random().toString(36).slice(2, 8)}`,
  });
  const colour = colourOf(me.id);
  provider.awareness.setLocalStateField("user", { name: me.name, color: colour, colorLight: `${colour}33` });
  const ytext = provider.doc.getText("content");
  const view = new EditorView({
    doc: ytext.toString(),
    extensions: [basicSetup, EditorView.lineWrapping, yCollab(ytext, provider.awareness, { undoManager: new Y.UndoManager(ytext) })],
    parent: el("editor"),
  });
  const status = el("status");
  provider.on("status", (s) => {
    status.textContent = s;
    status.dataset.status = s;
  });
  provider.on("synced", (synced) => (status.dataset.synced = String(synced)));
  provider.on("error", (error) => say(`${error.code}: ${error.message}`));
  current = { provider, view, text: () => view.state.doc.toString() };
  window.scopgraphEditor = current;
  say("");
}

function start(): void {
  el("signin").addEventListener("submit", (event) => {
    event.preventDefault();
    const pasted = el<HTMLInputElement>("token")
      .value.trim()
      .replace(/^Bearer\s+/i, "");
    const signIn = pasted
      ? Promise.resolve(pasted)
      : gql<{ signIn: { token: string } }>(
          "mutation EditorSignIn($input: SignInInput!) { signIn(input: $input) { token } }",
          {
            input: { email: el<HTMLInputElement>("email").value, password: el<HTMLInputElement>("password").value },
          },
          null,
        ).then((d) => d.signIn.token);
    signIn
      .then((t) => {
        sessionStorage.setItem(TOKEN_KEY, t);
        return loadBids();
      })
      .catch((error: Error) => say(error.message));
  });
  el("bid").addEventListener("change", showSections);
  el("pick").addEventListener("submit", (event) => {
    event.preventDefault();
    const sectionId = el<HTMLSelectElement>("section").value;
    if (sectionId) open(sectionId);
  });
  if (token()) loadBids().catch((error: Error) => say(error.message));
}

start();
