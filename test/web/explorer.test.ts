import { existsSync, statSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CDPSession, HTTPRequest, Page } from "puppeteer-core";
import { PlatformRole } from "../../src/auth/roles";
import { TenderStatus } from "../../src/tenders/tender.enums";
import { TOUR } from "../../src/web/tour";
import { SignInDocument, ShortlistCooperativeDocument } from "../generated/graphql";
import { launchBrowser, recordExternalRequests, screenshot, type TestBrowser } from "../helpers/browser";
import { buildTender, createUser, FACTORY_PASSWORD, insertCooperative, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

/*
 * The local explorer in headless Chromium: GraphiQL served by the server itself, nothing loaded
 * from elsewhere, a query run with a bearer token and a subscription event received over
 * graphql-ws. `UPDATE_SCREENSHOTS=1` refreshes docs/explorer.png.
 */

// A real browser on a shared 2-core machine: a run that times out is tried once more (jest-circus
// reports the first failure); two failures in a row fail the suite.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

let server: TestServer;
let browser: TestBrowser;
let member: TestUser;
let officer: TestUser;
let coop: Awaited<ReturnType<typeof insertCooperative>>;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  [member, officer] = await Promise.all([createUser(server, PlatformRole.MEMBER), createUser(server, PlatformRole.MISSION_OFFICER)]);
  coop = await insertCooperative(server.orm.em.fork(), { name: "Coop Explorée", owner: member });
}, 60_000);
afterAll(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

/** The text GraphiQL shows in its result pane (Monaco renders spaces as no-break spaces). */
function resultText(page: Page): Promise<string> {
  return page.$eval(".graphiql-response", (el) => (el.textContent ?? "").replace(/\s/g, " "));
}

/** Waits until the result pane shows `text`. */
function resultShows(page: Page, text: string, timeout?: number): Promise<unknown> {
  return page.waitForFunction(
    (t) => (document.querySelector(".graphiql-response")?.textContent ?? "").replace(/\s/g, " ").includes(t),
    timeout ? { timeout } : {},
    text,
  );
}

async function openTab(page: Page, index: number): Promise<void> {
  // A DOM click: the tab strip animates its tabs into place, so a mouse click may land beside them.
  await page.$eval(`#graphiql-session-tab-${index}`, (button) => (button as HTMLButtonElement).click());
  await page.waitForFunction((i) => document.getElementById(`graphiql-session-tab-${i}`)?.parentElement?.getAttribute("aria-selected") === "true", {}, index);
  // Run only once the editor shows the tab's operation (Monaco swaps its model after the click).
  const name = /(?:query|mutation|subscription) (\w+)/.exec(TOUR[index]?.query ?? "")?.[1] ?? "";
  await page.waitForFunction((n) => (document.querySelector(".graphiql-query-editor")?.textContent ?? "").replace(/\s/g, " ").includes(n), {}, name);
}

/** Resolves when `done()` holds, checking every 50 ms, or after `timeoutMs` (the caller asserts). */
async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

async function execute(page: Page): Promise<void> {
  await page.$eval(".graphiql-execute-button", (button) => (button as HTMLButtonElement).click());
}

/** WebSocket frames the page receives, as parsed graphql-ws messages. */
async function socketFrames(page: Page): Promise<{ frames: { type: string; payload?: unknown }[]; cdp: CDPSession }> {
  const cdp = await page.createCDPSession();
  const frames: { type: string; payload?: unknown }[] = [];
  await cdp.send("Network.enable");
  cdp.on("Network.webSocketClosed", () => frames.push({ type: "(closed)" }));
  cdp.on("Network.webSocketCreated", () => frames.push({ type: "(created)" }));
  cdp.on("Network.webSocketFrameReceived", (event) => {
    frames.push(JSON.parse(event.response.payloadData) as { type: string; payload?: unknown });
  });
  return { frames, cdp };
}

test("GET /graphql in a browser: the explorer, from this server only, runs a query with a token and receives a subscription event", async () => {
  const page = await browser.page();
  const external = await recordExternalRequests(page);
  const policyViolations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text());
  });
  const { frames } = await socketFrames(page);

  const answer = await page.goto(server.url, { waitUntil: "load" });
  expect(answer?.status()).toBe(200);
  expect(answer?.headers()["content-security-policy"]).toMatch(/connect-src 'self'/);
  await page.waitForSelector(".graphiql-container");
  await page.waitForSelector(".graphiql-execute-button");
  // The README's tour, one tab each.
  await page.waitForFunction((n) => document.querySelectorAll(".graphiql-tab").length === n, {}, TOUR.length);

  // A token from an HTTP sign-in, given to the page's token field.
  const signIn = await server.gql(SignInDocument, { input: { email: member.email, password: FACTORY_PASSWORD } });
  const token = signIn.data!.signIn.token;
  await page.type("#scopgraph-token-input", token);
  await page.waitForFunction(() => document.getElementById("scopgraph-token-state")?.textContent === "token set");

  await openTab(
    page,
    TOUR.findIndex((op) => op.title === "Viewer"),
  );
  const viewerAnswer = page.waitForResponse(
    (r) => r.url() === server.url && r.request().method() === "POST" && (r.request().postData() ?? "").includes("query Viewer"),
  );
  // The first click after the page loads can land before the tab's editor is current and run
  // nothing (no request at all, seen on every fresh browser): click again until the query goes.
  let sent = false;
  const viewerRequest = (r: HTTPRequest) => r.method() === "POST" && (r.postData() ?? "").includes("query Viewer") && (sent = true);
  page.on("request", viewerRequest);
  for (let attempt = 0; attempt < 5 && !sent; attempt++) {
    await execute(page);
    await until(() => sent, 5_000);
  }
  page.off("request", viewerRequest);
  const viewer = (await (await viewerAnswer).json()) as { data: { viewer: { email: string; role: string } } };
  expect(viewer.data.viewer).toMatchObject({ email: member.email, role: "MEMBER" });
  await resultShows(page, member.email);

  // The subscription: the token goes in connection_init; an officer's shortlisting over HTTP is the event.
  await openTab(
    page,
    TOUR.findIndex((op) => op.title === "Invitations"),
  );
  // GraphiQL opens its socket at the first subscription. On a loaded machine a click can land
  // before the editor's operation is current and run nothing: click again only if no socket came
  // (a second click on a running subscription would stop it).
  for (let attempt = 0; attempt < 3 && !frames.some((f) => f.type === "(created)"); attempt++) {
    await execute(page);
    await until(() => frames.some((f) => f.type === "(created)"), 15_000);
  }
  await until(() => frames.some((f) => f.type === "connection_ack"), 30_000);
  const title = "Appel vu dans l'explorateur";
  // The subscription listens once the server has handled `subscribe`: shortlist until an event arrives (bounded).
  for (let attempt = 0; attempt < 20 && !frames.some((f) => f.type === "next"); attempt++) {
    const tender = await buildTender(server.orm.em.fork(), { status: TenderStatus.OPEN, title });
    const shortlisted = await server.gql(ShortlistCooperativeDocument, { input: { tenderId: tender.gid, cooperativeId: coop.gid } }, officer.token);
    expect(shortlisted.errors).toBeUndefined();
    await resultShows(page, title, 1_000).catch(() => undefined);
  }
  expect(frames.map((f) => f.type)).toEqual(expect.arrayContaining(["connection_ack", "next"]));
  const event = frames.find((f) => f.type === "next");
  expect(event?.payload).toMatchObject({ data: { invitations: { cooperative: { name: "Coop Explorée" }, tender: { title }, answer: "INVITED" } } });
  // The frame, seen through the DevTools protocol, can come a moment before GraphiQL renders it.
  await resultShows(page, title);
  expect(await resultText(page)).toContain(title);

  const shot = process.env.UPDATE_SCREENSHOTS ? path.resolve("docs/explorer.png") : path.join(tmpdir(), `explorer-${process.pid}.png`);
  await mkdir(path.dirname(shot), { recursive: true });
  await screenshot(page, shot);
  expect((await readFile(shot)).subarray(1, 4).toString()).toBe("PNG");

  expect(external).toEqual([]);
  expect(policyViolations).toEqual([]);
  await page.close();
}, 300_000);

test("the explorer's page is this server's own: no CDN address in it, and its policy allows this origin only", async () => {
  const page = await fetch(server.url, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
  const html = await page.text();
  expect(page.status).toBe(200);
  expect(html).toContain('id="scopgraph-token-input"');
  expect(html).not.toMatch(/cdn\.apollographql|unpkg\.com|jsdelivr|<script[^>]+src=/);
  const csp = page.headers.get("content-security-policy") ?? "";
  expect(csp).toMatch(/default-src 'self'/);
  expect(csp).toMatch(/frame-ancestors 'none'/);
  expect(csp).not.toMatch(/https?:/);
  // A GET accepting JSON still gets GraphQL.
  const json = await fetch(`${server.url}?query=${encodeURIComponent("{ __typename }")}`, {
    headers: { accept: "application/json", "apollo-require-preflight": "1" },
  });
  expect(await json.json()).toEqual({ data: { __typename: "Query" } });
});

test("EXPLORER=false (the production default): a browser gets a short 406 naming the setting, an operation still answers in JSON", async () => {
  const off = await startTestServer({ env: { EXPLORER: "false" } });
  try {
    const page = await fetch(off.url, { headers: { accept: "text/html,*/*;q=0.8" } });
    expect(page.status).toBe(406);
    expect(page.headers.get("content-type")).toMatch(/application\/json/);
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(JSON.stringify(await page.json())).toMatch(/EXPLORER=false/);
    const withQuery = await fetch(`${off.url}?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { accept: "text/html,*/*;q=0.8", "apollo-require-preflight": "1" },
    });
    expect(await withQuery.json()).toEqual({ data: { __typename: "Query" } });
  } finally {
    await off.close();
  }
});

test("the README's screenshot exists and stays small", () => {
  const file = path.resolve("docs/explorer.png");
  expect(existsSync(file)).toBe(true);
  expect(statSync(file).size).toBeLessThan(300_000);
});
