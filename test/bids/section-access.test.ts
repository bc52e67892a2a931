import { Client } from "pg";
import { SectionAccess } from "../../src/bids/sections/section-access";
import { fromGlobalId } from "../../src/common/node";
import { startTestServer, type TestServer } from "../helpers/server";
import { until } from "../helpers/wait";
import { sectionScene, type SectionScene } from "./bid-setup";

/**
 * The decisions a text update's relay goes by (section-access.ts), cached per socket: one in use
 * is asked again in the background before it expires, so that under steady typing no relay waits
 * for the database, and a renewal never brings back a decision forgotten while it ran.
 */
let server: TestServer;
let scene: SectionScene;
let db: Client;
let clock = 0;
let access: SectionAccess;

beforeAll(async () => {
  server = await startTestServer();
  scene = await sectionScene(server);
  db = new Client({ connectionString: server.orm.config.getClientUrl() });
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await server.close();
});
beforeEach(async () => {
  clock = 1_000_000;
  access = new SectionAccess(
    () => server.orm.em.fork(),
    () => clock,
  );
  await assign(scene.w.partner.id);
});

const sectionId = () => fromGlobalId(scene.sectionId)!.id;
const partner = () => scene.w.partner.id;

/** Reassigns the section straight in the database: no event, so nothing tells the cache. */
async function assign(userId: string | null): Promise<void> {
  await db.query("UPDATE bid_sections SET assignee_id = $1 WHERE id = $2", [userId, sectionId()]);
}

/**
 * Halfway to the decision's expiry, with `bid_sections` locked so that the renewal's read waits:
 * runs `meanwhile`, ends the lock, and waits for the renewal to end.
 */
async function duringRenewal(meanwhile: () => Promise<void> | void): Promise<void> {
  clock += 3_000;
  await db.query("BEGIN");
  await db.query("LOCK TABLE bid_sections IN ACCESS EXCLUSIVE MODE");
  try {
    await meanwhile();
  } finally {
    await db.query("ROLLBACK");
  }
  await until(() => access.renewing === 0, { label: "the renewal" });
}

test("a decision in use is renewed in the background halfway to its expiry, and the keystroke does not wait for the database", async () => {
  const socket = {};
  expect(await access.decide(socket, partner(), sectionId())).toMatchObject({ read: true, write: true });
  await assign(null);
  // Halfway, the database locked against the renewal's read: the cached decision still answers at once.
  await duringRenewal(async () => {
    expect(await access.decide(socket, partner(), sectionId())).toMatchObject({ write: true });
    expect(access.renewing).toBe(1);
    // One renewal at a time, however many keystrokes meanwhile.
    expect(await access.decide(socket, partner(), sectionId())).toMatchObject({ write: true });
    expect(access.renewing).toBe(1);
  });
  // The renewed decision answers, before the first one would have expired, and lives its own TTL.
  expect(await access.decide(socket, partner(), sectionId())).toMatchObject({ read: true, write: false });
  clock += 4_000;
  await assign(partner());
  expect(await access.decide(socket, partner(), sectionId())).toMatchObject({ write: false });
});

test("a decision forgotten while its renewal runs is not brought back by the renewal", async () => {
  const socket = {};
  expect(await access.decide(socket, partner(), sectionId())).toMatchObject({ write: true });
  await duringRenewal(async () => {
    expect(await access.decide(socket, partner(), sectionId())).toMatchObject({ write: true });
    // Access changed meanwhile (auth/live-access.ts forgets the socket's decisions).
    access.forget(socket);
  });
  // The renewal answered "may write"; forgotten, the next keystroke asks the database itself.
  await assign(null);
  expect(await access.decide(socket, partner(), sectionId())).toMatchObject({ write: false });
});

test("a decision of a bid whose structure changed while its renewal ran is asked again, not renewed", async () => {
  const socket = {};
  const first = await access.decide(socket, partner(), sectionId());
  expect(first).toMatchObject({ write: true });
  await duringRenewal(async () => {
    await access.decide(socket, partner(), sectionId());
    access.invalidateBid(first!.bidId);
  });
  await assign(null);
  expect(await access.decide(socket, partner(), sectionId())).toMatchObject({ write: false });
});

test("a decision not used before its expiry is asked again in the foreground", async () => {
  const socket = {};
  expect(await access.decide(socket, partner(), sectionId())).toMatchObject({ write: true });
  await assign(null);
  clock += 5_000;
  expect(await access.decide(socket, partner(), sectionId())).toMatchObject({ write: false });
  expect(access.renewing).toBe(0);
});
