import { ApiScope, PlatformRole } from "../../src/auth/roles";
import { CooperativeInvitation } from "../../src/cooperatives/invitation.entity";
import { toGlobalId } from "../../src/common/node";
import { awarenessProtocol, Y } from "../../src/bids/sections/yjs";
import { TenderKind, TenderStatus } from "../../src/tenders/tender.enums";
import { buildBid, buildTender, createUser, insertCooperative, type TenderSeed, type TestUser } from "../helpers/factories";
import type { TestServer } from "../helpers/server";
import { Bid } from "../../src/bids/bid.entity";
import { doc, type Vars } from "./harness";

/** Who asks: people by their place in the world, and integrators by their token's scope. */
export const ROLES = ["anonymous", "ownerA", "memberA", "ownerB", "client", "officer", "admin", "readToken", "importToken", "bothToken"] as const;
export type Role = (typeof ROLES)[number];

/** The integrators' tokens and their scopes: every scope alone, and both. */
export const TOKEN_SCOPES = {
  readToken: [ApiScope.READ],
  importToken: [ApiScope.IMPORT_NOTICES],
  bothToken: [ApiScope.READ, ApiScope.IMPORT_NOTICES],
} as const satisfies Partial<Record<Role, readonly ApiScope[]>>;
export type TokenRole = keyof typeof TOKEN_SCOPES;
export const isTokenRole = (role: Role): role is TokenRole => role in TOKEN_SCOPES;

export interface Ref {
  id: string;
  gid: string;
}

/**
 * The fixture world, built once per file:
 * - cooperative A (ownerA, memberA, memberA2) and its competitor B (ownerB), and C (ownerC);
 * - an open tender T with two lots, an officer's draft D, the client's direct order O and another
 *   client's order O2;
 * - A's bid on T (a section, a price line, an assignment, C invited) and B's own bid on T;
 * - A shortlisted on T, a reference of A, API tokens with READ, with IMPORT_NOTICES and with both;
 * - a pending invitation of ownerB's address to join A.
 */
export interface World {
  users: Record<"ownerA" | "memberA" | "memberA2" | "ownerB" | "ownerC" | "client" | "client2" | "officer" | "admin", TestUser>;
  tokens: Record<Role, string | null>;
  readTokenGid: string;
  coopA: Ref;
  coopB: Ref;
  coopC: Ref;
  tender: Ref & { lots: string[] };
  draft: Ref;
  order: Ref;
  order2: Ref;
  bidA: { gid: string; leadMember: string; invitedMember: string; section: string; priceLine: string; assignment: string; event: string; membership: string };
  bidB: { gid: string; leadMember: string };
  entry: string;
  reference: string;
  /** A's pending invitation of ownerB's address. */
  invitation: string;
  skill: string;
}

const CPV = ["79810000", "72413000"];

/** Runs a set-up operation that must succeed, and returns the string at `path` in its data. */
export async function call(server: TestServer, token: string | null, text: string, variables: Vars, path: string): Promise<string> {
  const result = await server.gql(doc(text), variables, token);
  if (result.errors?.length || !result.data) throw new Error(`set-up call failed: ${text.slice(0, 60)}: ${JSON.stringify(result.errors)}`);
  return pick(result.data, path);
}

/** The string at a dotted path (`createBid.members.0.id`) of a JSON value. */
export function pick(value: unknown, path: string): string {
  let current: unknown = value;
  for (const key of path.split(".")) {
    current = current !== null && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined;
  }
  if (typeof current !== "string") throw new Error(`no string at ${path} in ${JSON.stringify(value).slice(0, 300)}`);
  return current;
}

/** An open tender with two lots (print, web), inserted directly. */
export async function openTender(server: TestServer, seed: TenderSeed = {}): Promise<Ref & { lots: string[] }> {
  const tender = await buildTender(server.orm.em.fork(), {
    lots: [
      { title: "Lot unique", cpv: [CPV[0]!] },
      { title: "Site web", cpv: [CPV[1]!] },
    ],
    ...seed,
  });
  return { id: tender.id, gid: tender.gid, lots: tender.lotRefs.map((l) => l.gid) };
}

/** A y-protocols awareness update: a cursor named `name` (base64). */
export function awarenessUpdate(name: string): string {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc());
  awareness.setLocalStateField("user", { name, color: "#c00" });
  const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]);
  awareness.destroy();
  return Buffer.from(update).toString("base64");
}

export function yUpdate(text: string): string {
  const d = new Y.Doc();
  d.getText("content").insert(0, text);
  return Buffer.from(Y.encodeStateAsUpdate(d)).toString("base64");
}

/** The global id of the API token with this secret (looked up by its prefix). */
async function tokenId(server: TestServer, secret: string): Promise<string> {
  const rows = await server.orm.em.getConnection().execute<{ id: string }[]>("SELECT id FROM api_tokens WHERE prefix = ?", [secret.slice(0, 10)]);
  if (!rows[0]) throw new Error("token not found");
  return toGlobalId("ApiToken", rows[0].id);
}

/** A pending invitation to join a cooperative, inserted directly; returns its global id. */
export async function insertInvitation(server: TestServer, cooperativeId: string, email: string): Promise<string> {
  const em = server.orm.em.fork();
  const invitation = em.create(CooperativeInvitation, { cooperative: cooperativeId, email, expiresAt: new Date(Date.now() + 86400_000) });
  await em.flush();
  return toGlobalId("CooperativeInvitation", invitation.id);
}

/**
 * An offer submitted on a new direct order of this client, inserted directly (set-up, not the code
 * under test) with a minimal submission snapshot, which is what the client's view reads.
 */
export async function insertOffer(server: TestServer, cooperativeId: string, clientId: string): Promise<{ bid: string; order: string }> {
  const em = server.orm.em.fork();
  const order = await buildTender(em, { status: TenderStatus.OPEN, kind: TenderKind.DIRECT_ORDER, clientId });
  const bid = await buildBid(em, { tenderId: order.id, cooperativeIds: [cooperativeId] });
  await em.nativeUpdate(Bid, { id: bid.id }, { snapshot: { title: "Offre", members: [], lotIds: [], totals: { total: 1000, perLot: [] } } });
  return { bid: bid.gid, order: order.gid };
}

export const CREATE_BID = `mutation($input: CreateBidInput!) { createBid(input: $input) { id } }`;

export async function buildWorld(server: TestServer): Promise<World> {
  const [ownerA, memberA, memberA2, ownerB, ownerC, client, client2, officer, admin] = await Promise.all([
    createUser(server),
    createUser(server),
    createUser(server),
    createUser(server),
    createUser(server),
    createUser(server, PlatformRole.CLIENT),
    createUser(server, PlatformRole.CLIENT),
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server, PlatformRole.ADMIN),
  ]);
  const em = server.orm.em.fork();
  const skills: [string, number][] = CPV.map((c) => [c, 5]);
  const coopA = await insertCooperative(em, {
    owner: ownerA,
    members: [memberA, memberA2],
    name: "Atelier A",
    skills,
    lat: 49.44,
    lon: 1.1,
    dept: "76",
    region: "28",
  });
  const coopB = await insertCooperative(em, { owner: ownerB, name: "Brochures B", skills, lat: 49.49, lon: 0.11, dept: "76", region: "28" });
  const coopC = await insertCooperative(em, { owner: ownerC, name: "Cinéma C", skills: [["92100000", 4]] });
  const tender = await openTender(server, { title: "Brochures et site" });
  const draft = await buildTender(em, { status: TenderStatus.DRAFT, createdById: officer.id, title: "Brouillon de l'officier" });
  const order = await buildTender(em, { kind: TenderKind.DIRECT_ORDER, status: TenderStatus.OPEN, clientId: client.id, title: "Commande du client" });
  const order2 = await buildTender(em, { kind: TenderKind.DIRECT_ORDER, status: TenderStatus.OPEN, clientId: client2.id, title: "Commande d'un autre client" });

  const createToken = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret apiToken { id } } }`;
  const read = { input: { name: "battery READ", scopes: ["READ"] } };
  const readSecret = await call(server, admin.token, createToken, read, "createApiToken.secret");
  const readTokenGid = await tokenId(server, readSecret);
  const importSecret = await call(server, admin.token, createToken, { input: { name: "battery IMPORT", scopes: ["IMPORT_NOTICES"] } }, "createApiToken.secret");
  const bothSecret = await call(
    server,
    admin.token,
    createToken,
    { input: { name: "battery BOTH", scopes: ["READ", "IMPORT_NOTICES"] } },
    "createApiToken.secret",
  );

  const bid = await call(
    server,
    ownerA.token,
    CREATE_BID,
    { input: { tenderId: tender.gid, leadCooperativeId: coopA.gid, groupType: "CONJOINT" } },
    "createBid.id",
  );
  const leadMember = await call(server, ownerA.token, `query($id: ID!) { bid(id: $id) { members { id } } }`, { id: bid }, "bid.members.0.id");
  const section = await call(
    server,
    ownerA.token,
    `mutation($input: AddSectionInput!) { addBidSection(input: $input) { id } }`,
    { input: { bidId: bid, title: "Méthodologie" } },
    "addBidSection.id",
  );
  await call(
    server,
    ownerA.token,
    `mutation($input: ApplySectionUpdateInput!) { applySectionUpdate(input: $input) { section { id } } }`,
    { input: { sectionId: section, update: yUpdate("Secret de A") } },
    "applySectionUpdate.section.id",
  );
  const priceLine = await call(
    server,
    ownerA.token,
    `mutation($input: AddPriceLineInput!) { addBidPriceLine(input: $input) { id } }`,
    { input: { bidId: bid, lotId: tender.lots[0], memberId: leadMember, description: "Impression", quantity: 1000, unitPrice: 0.35 } },
    "addBidPriceLine.id",
  );
  const assignment = await call(
    server,
    ownerA.token,
    `mutation($input: AssignLotInput!) { assignBidLot(input: $input) { id } }`,
    { input: { bidId: bid, lotId: tender.lots[0], memberId: leadMember, expectedVersion: 0 } },
    "assignBidLot.id",
  );
  const invitedMember = await call(
    server,
    ownerA.token,
    `mutation($input: InviteBidMemberInput!) { inviteBidMember(input: $input) { id } }`,
    { input: { bidId: bid, cooperativeId: coopC.gid } },
    "inviteBidMember.id",
  );
  const event = await call(
    server,
    admin.token,
    `query($id: ID!) { bid(id: $id) { events(first: 1) { edges { node { id } } } } }`,
    { id: bid },
    "bid.events.edges.0.node.id",
  );
  const membership = await call(
    server,
    ownerA.token,
    `query($id: ID!) { cooperative(id: $id) { members { id } } }`,
    { id: coopA.gid },
    "cooperative.members.0.id",
  );

  const bidB = await call(
    server,
    ownerB.token,
    CREATE_BID,
    { input: { tenderId: tender.gid, leadCooperativeId: coopB.gid, groupType: "SOLIDAIRE" } },
    "createBid.id",
  );
  const bidBLead = await call(server, ownerB.token, `query($id: ID!) { bid(id: $id) { members { id } } }`, { id: bidB }, "bid.members.0.id");
  const entry = await call(
    server,
    officer.token,
    `mutation($input: ShortlistInput!) { shortlistCooperative(input: $input) { id } }`,
    { input: { tenderId: tender.gid, cooperativeId: coopA.gid, note: "proche" } },
    "shortlistCooperative.id",
  );
  const reference = await call(
    server,
    ownerA.token,
    `mutation($id: ID!, $r: ReferenceInput!) { addCooperativeReference(cooperativeId: $id, reference: $r) { id } }`,
    { id: coopA.gid, r: { title: "Catalogue", client: "Région", code: "79810000", year: 2023, amount: 12000 } },
    "addCooperativeReference.id",
  );

  return {
    users: { ownerA, memberA, memberA2, ownerB, ownerC, client, client2, officer, admin },
    tokens: {
      anonymous: null,
      ownerA: ownerA.token,
      memberA: memberA.token,
      ownerB: ownerB.token,
      client: client.token,
      officer: officer.token,
      admin: admin.token,
      readToken: readSecret,
      importToken: importSecret,
      bothToken: bothSecret,
    },
    readTokenGid,
    coopA: { id: coopA.id, gid: coopA.gid },
    coopB: { id: coopB.id, gid: coopB.gid },
    coopC: { id: coopC.id, gid: coopC.gid },
    tender,
    draft: { id: draft.id, gid: draft.gid },
    order: { id: order.id, gid: order.gid },
    order2: { id: order2.id, gid: order2.gid },
    bidA: { gid: bid, leadMember, invitedMember, section, priceLine, assignment, event, membership },
    bidB: { gid: bidB, leadMember: bidBLead },
    entry,
    reference,
    invitation: await insertInvitation(server, coopA.id, ownerB.email),
    skill: "79810000",
  };
}
