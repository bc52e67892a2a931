import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import puppeteer, { type Browser, type HTTPRequest, type Page } from "puppeteer-core";

/**
 * Headless Chromium for browser tests: Debian's `chromium` (`.ci/run` installs it) driven by
 * puppeteer-core. Waits are on page events and selectors, each bounded by `BROWSER_TIMEOUT_MS`.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Generous: two browsers may run at once beside the database tests on a 2-core machine.
export const BROWSER_TIMEOUT_MS = 90_000;

/**
 * The closed network of the test machines refuses background connections (updates, sync,
 * QUIC probes): without these flags Chromium stalls on them.
 */
const FLAGS = [
  "--headless",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export interface TestBrowser {
  browser: Browser;
  /** A new page with bounded default timeouts. */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  const profile = await mkdtemp(path.join(tmpdir(), "scopgraph-chromium-"));
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [...FLAGS, ...(root ? ["--no-sandbox"] : [])],
    timeout: BROWSER_TIMEOUT_MS,
    protocolTimeout: BROWSER_TIMEOUT_MS * 2,
  });
  return {
    browser,
    async page(viewport = { width: 1280, height: 800 }) {
      const page = await browser.newPage();
      page.setDefaultTimeout(BROWSER_TIMEOUT_MS);
      page.setDefaultNavigationTimeout(BROWSER_TIMEOUT_MS);
      await page.setViewport(viewport);
      return page;
    },
    async close() {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Intercepts every request of the page: those to a host other than `allowedHosts` (loopback by
 * default) are aborted and listed, so a test can assert that nothing left the machine.
 */
export async function recordExternalRequests(page: Page, allowedHosts: readonly string[] = ["localhost", "127.0.0.1", "[::1]"]): Promise<string[]> {
  const external: string[] = [];
  await page.setRequestInterception(true);
  page.on("request", (request: HTTPRequest) => {
    const url = new URL(request.url());
    const local = ["data:", "blob:"].includes(url.protocol) || allowedHosts.includes(url.hostname);
    if (local) {
      void request.continue();
    } else {
      external.push(request.url());
      void request.abort("blockedbyclient");
    }
  });
  return external;
}

/** Saves a PNG of the page (the viewport only, to keep it small). */
export async function screenshot(page: Page, file: string): Promise<void> {
  await page.screenshot({ path: file, type: "png", fullPage: false });
}
