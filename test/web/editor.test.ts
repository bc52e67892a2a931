import { mkdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "puppeteer-core";
import { AddBidSectionDocument, BidDocument } from "../generated/graphql";
import { createBid, createWorld, secondPerson } from "../bids/bid-setup";
import { launchBrowser, recordExternalRequests, screenshot, type TestBrowser } from "../helpers/browser";
import { FACTORY_PASSWORD, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

/*
 * The development editor page in headless Chromium: two people of the bid sign in, open one
 * section in CodeMirror (y-codemirror.next on the SectionProvider), type into it at once and
 * converge with the server; one goes offline, types, comes back and converges; each sees the
 * other's cursor. Nothing leaves the machine. `UPDATE_SCREENSHOTS=1` refreshes docs/editor.png.
 */

/** What the page exposes on `window` (src/web/editor/app.ts). */
declare global {
  interface Window {
    scopgraphEditor?: {
      text(): string;
      provider: { flush(): Promise<void>; disconnect(): void; connect(): void; unacknowledged: number };
    };
  }
}

let server: TestServer;
/** One browser per person: a page behind another in one browser renders no frames, so it would not act as a person's does. */
let browsers: TestBrowser[] = [];

beforeAll(async () => {
  [server, ...browsers] = await Promise.all([startTestServer(), launchBrowser(), launchBrowser()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([...browsers.map((b) => b.close()), server?.close()]);
});

const editorUrl = (): string => new URL("/editor", server.url).toString();

/** Text of the page's editor (CodeMirror's document). */
function editorText(page: Page): Promise<string> {
  return page.evaluate(() => window.scopgraphEditor?.text() ?? "");
}

/** Waits until the page's editor holds every one of `parts`. */
async function holds(page: Page, parts: string[]): Promise<void> {
  await page.waitForFunction((ps: string[]) => ps.every((p) => (window.scopgraphEditor?.text() ?? "").includes(p)), {}, parts);
}

/** Waits until every local change of the page is acknowledged (durable). */
async function flushed(page: Page): Promise<void> {
  await page.evaluate(() => window.scopgraphEditor!.provider.flush());
}

/** Signs in through the page's form, picks the bid and the section, waits for the first sync. */
async function openEditor(page: Page, user: TestUser, bidId: string, sectionId: string): Promise<void> {
  const answer = await page.goto(editorUrl(), { waitUntil: "load" });
  expect(answer?.status()).toBe(200);
  expect(answer?.headers()["content-security-policy"]).toMatch(/script-src 'self'(;|$)/);
  await page.type("#email", user.email);
  await page.type("#password", FACTORY_PASSWORD);
  await page.click("#signin-button");
  await page.waitForSelector("#pick:not([hidden])");
  await page.select("#bid", bidId);
  await page.select("#section", sectionId);
  await page.click("#open");
  await page.waitForSelector('#status[data-status="connected"][data-synced="true"]');
  await page.waitForSelector(".cm-content");
  // Both pages act at once: each keeps its focus (CodeMirror shares the cursor of a focused editor only).
  const cdp = await page.createCDPSession();
  await cdp.send("Emulation.setFocusEmulationEnabled", { enabled: true });
}

async function typeAt(page: Page, where: "Home" | "End", text: string): Promise<void> {
  await page.focus(".cm-content");
  await page.keyboard.down("Control");
  await page.keyboard.press(where);
  await page.keyboard.up("Control");
  await page.keyboard.type(text);
}

async function serverText(token: string, bidId: string, sectionId: string): Promise<string | undefined> {
  const bid = await server.gql(BidDocument, { id: bidId }, token);
  expect(bid.errors).toBeUndefined();
  return bid.data?.bid?.sections.find((s) => s.id === sectionId)?.text;
}

test("two people co-edit a section in the editor page: typing at once, offline and back, cursors shown, the server's text equal", async () => {
  const w = await createWorld(server);
  const bid = await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
  const added = await server.gql(AddBidSectionDocument, { input: { bidId: bid.id, title: "Méthodologie" } }, w.lead.token);
  const sectionId = added.data!.addBidSection.id;
  const colleague = await secondPerson(server, w.coopA.id);
  const db = server.orm.em.fork().getConnection();
  await db.execute("UPDATE users SET name = ? WHERE id = ?", ["Ada Lead", w.lead.id]);
  await db.execute("UPDATE users SET name = ? WHERE id = ?", ["Bob Colleague", colleague.id]);

  const [adaBrowser, bobBrowser] = browsers;
  if (!adaBrowser || !bobBrowser) throw new Error("beforeAll launches two browsers");
  const [ada, bob] = await Promise.all([adaBrowser.page({ width: 900, height: 420 }), bobBrowser.page({ width: 900, height: 420 })]);
  const external = [...(await recordExternalRequests(ada)), ...(await recordExternalRequests(bob))];
  const externalLater = async () => [...external];
  const policyViolations: string[] = [];
  for (const page of [ada, bob]) {
    page.on("console", (message) => {
      if (/Content Security Policy|Yjs was already imported/i.test(message.text())) policyViolations.push(message.text());
    });
    page.on("pageerror", (error) => policyViolations.push(String(error)));
  }
  await openEditor(ada, w.lead, bid.id, sectionId);
  await openEditor(bob, colleague, bid.id, sectionId);

  // A first line, then both type at once: Ada at the start, Bob at the end.
  await typeAt(ada, "End", "Plan:\n");
  await holds(bob, ["Plan:\n"]);
  const first = ["Alpha typed by Ada. ", " Bravo typed by Bob."];
  await Promise.all([typeAt(ada, "Home", first[0]!), typeAt(bob, "End", first[1]!)]);
  await Promise.all([holds(ada, ["Plan:", ...first]), holds(bob, ["Plan:", ...first])]);
  const together = await editorText(ada);
  expect(await editorText(bob)).toBe(together);
  await Promise.all([flushed(ada), flushed(bob)]);
  expect(await serverText(w.lead.token, bid.id, sectionId)).toBe(together);

  // Each sees the other's cursor and name (y-codemirror.next draws them from the awareness).
  await ada.waitForFunction(() => [...document.querySelectorAll(".cm-ySelectionInfo")].some((e) => e.textContent === "Bob Colleague"));
  await bob.waitForFunction(() => [...document.querySelectorAll(".cm-ySelectionInfo")].some((e) => e.textContent === "Ada Lead"));
  expect(await bob.$$(".cm-ySelectionCaret")).not.toHaveLength(0);

  // Ada goes offline and types; Bob types meanwhile; Ada comes back and both converge.
  await ada.evaluate(() => window.scopgraphEditor!.provider.disconnect());
  await ada.waitForSelector('#status[data-status="disconnected"]');
  const second = ["Charlie written offline by Ada. ", " Delta written online by Bob."];
  await Promise.all([typeAt(ada, "Home", second[0]!), typeAt(bob, "End", second[1]!)]);
  await holds(ada, [second[0]!]);
  await holds(bob, [second[1]!]);
  expect(await editorText(bob)).not.toContain(second[0]);
  expect(await ada.evaluate(() => window.scopgraphEditor!.provider.unacknowledged)).toBeGreaterThan(0);
  await ada.evaluate(() => window.scopgraphEditor!.provider.connect());
  await ada.waitForSelector('#status[data-status="connected"][data-synced="true"]');
  const all = ["Plan:", ...first, ...second];
  await Promise.all([holds(ada, all), holds(bob, all)]);
  const converged = await editorText(ada);
  expect(await editorText(bob)).toBe(converged);
  await Promise.all([flushed(ada), flushed(bob)]);
  expect(await serverText(colleague.token, bid.id, sectionId)).toBe(converged);
  await bob.waitForFunction(() => [...document.querySelectorAll(".cm-ySelectionInfo")].some((e) => e.textContent === "Ada Lead"));

  const shot = process.env.UPDATE_SCREENSHOTS ? path.resolve("docs/editor.png") : path.join(tmpdir(), `editor-${process.pid}.png`);
  await mkdir(path.dirname(shot), { recursive: true });
  await screenshot(bob, shot);
  expect((await readFile(shot)).subarray(1, 4).toString()).toBe("PNG");
  expect((await stat(shot)).size).toBeLessThan(150_000);

  expect(await externalLater()).toEqual([]);
  expect(policyViolations).toEqual([]);
  await Promise.all([ada.close(), bob.close()]);
}, 300_000);

test("the page and its script come from this server, with no inline script; EXPLORER=false serves no editor", async () => {
  const page = await fetch(editorUrl());
  const html = await page.text();
  expect(page.status).toBe(200);
  expect(html).toContain('<script src="/editor/app.js" defer></script>');
  expect(html).not.toMatch(/<script>|https?:\/\//);
  const csp = page.headers.get("content-security-policy") ?? "";
  expect(csp).toMatch(/default-src 'self'/);
  expect(csp).not.toMatch(/unsafe-eval|https?:|script-src[^;]*unsafe-inline/);
  const script = await fetch(new URL("/editor/app.js", server.url));
  expect(script.status).toBe(200);
  expect(script.headers.get("content-type")).toMatch(/javascript/);
  expect((await script.text()).length).toBeGreaterThan(10_000);

  const off = await startTestServer({ env: { EXPLORER: "false" } });
  try {
    expect((await fetch(new URL("/editor", off.url))).status).toBe(404);
    expect((await fetch(new URL("/editor/app.js", off.url))).status).toBe(404);
  } finally {
    await off.close();
  }
}, 60_000);
