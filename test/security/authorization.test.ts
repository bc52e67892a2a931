import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { GraphQLFormattedError } from "graphql";
import type { Client as WsClient } from "graphql-ws";
import { PlatformRole } from "../../src/auth/roles";
import { SavedSearch } from "../../src/alerts/saved-search.entity";
import { User } from "../../src/auth/user.entity";
import { toGlobalId } from "../../src/common/node";
import { ClientOrganisation } from "../../src/clients/client.entity";
import { TenderKind, TenderStatus } from "../../src/tenders/tender.enums";
import { ApiScope, PlatformRole as Platform } from "../../src/auth/roles";
import { buildSchema } from "../../src/schema";
import { NotificationKind } from "../../src/notifications/notification.enums";
import { NOTIFICATIONS_CHANNEL, notifyPeople } from "../../src/notifications/notify";
import { INVITATIONS_CHANNEL } from "../../src/tenders/shortlist.service";
import { CooperativeStatus } from "../../src/cooperatives/cooperative.enums";
import {
  buildBid,
  buildMember,
  buildTender,
  createUnverifiedUser,
  createUser,
  FACTORY_PASSWORD,
  insertCooperative,
  sessionToken,
  validSiret,
} from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";
import { until } from "../helpers/wait";
import { pdf, upload } from "../files/samples";
import { changedTables, codeOf, send, snapshot, wsFirst, type Answer, type Transport, type Vars } from "./harness";
import {
  awarenessUpdate,
  buildWorld,
  call,
  CREATE_BID,
  insertInvitation,
  insertOffer,
  isTokenRole,
  openTender,
  ROLES,
  TOKEN_SCOPES,
  yUpdate,
  type Role,
  type World,
} from "./world";

/*
 * The authorization battery: every root field of the schema, for every role, over HTTP and over
 * WebSocket, on records the role may and may not reach. An operation of the schema missing from
 * the table fails the suite. A refused mutation must leave every table as it was.
 *
 * API tokens: each operation lists the scopes that open it (`opens`, the table of the README's
 * Security section). A token none of whose scopes opens the operation is FORBIDDEN, whatever the
 * record; a token with an opening scope gets the scenario's own expectation. Every token (READ
 * only, IMPORT_NOTICES only, both) is run against every root field.
 */

let server: TestServer;
let w: World;
const sockets = new Map<string, WsClient>();

beforeAll(async () => {
  // Every role signs up over both transports here: the per-address sign-up limit is widened.
  server = await startTestServer({ env: { SIGNUP_LIMIT_PER_ADDRESS: "1000", SIGNUP_LIMIT_PER_EMAIL: "1000" } });
  w = await buildWorld(server);
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** One graphql-ws client per role (operations run one at a time, well under the per-socket limit). */
function socketOf(role: Role): WsClient {
  let client = sockets.get(role);
  if (!client) {
    client = server.ws(w.tokens[role]);
    sockets.set(role, client);
  }
  return client;
}

// ---- expectations ---------------------------------------------------------------------------

/** `OK` (data), `NULL` (null data), an error code, or what `observe` makes of the data. */
type Expected = Record<Role, string>;

const A_PEOPLE: Role[] = ["ownerA", "memberA"];
const STAFF: Role[] = ["officer", "admin"];
const SIGNED_IN: Role[] = ROLES.filter((r) => r !== "anonymous");
const PEOPLE: Role[] = SIGNED_IN.filter((r) => !isTokenRole(r));

/** `ok` roles get `OK`, anonymous UNAUTHENTICATED, everyone else `otherwise`; then overrides. */
function rule(ok: readonly Role[], otherwise: string, overrides: Partial<Expected> = {}): Expected {
  const out = {} as Expected;
  for (const role of ROLES) out[role] = ok.includes(role) ? "OK" : role === "anonymous" ? "UNAUTHENTICATED" : otherwise;
  return { ...out, ...overrides };
}

/** For a bid of A: its people `people`, staff `staff`, anyone else exactly as for a missing bid. */
function onBidOfA(people: string, staff: string): Expected {
  return rule([], "NOT_FOUND", { ownerA: people, memberA: people, officer: staff, admin: staff });
}

interface Scenario {
  name: string;
  /** A document of its own, instead of the operation's. */
  doc?: string;
  expect: Expected;
  /** Variables; `fresh` is true when the call is expected to succeed (and may need a record of its own). */
  vars: (role: Role, fresh: boolean) => Vars | Promise<Vars>;
  /** Turns the data of the root field into the outcome compared with `expect`. */
  observe?: (value: unknown, role: Role) => string;
  /** Only over these transports (sign-in attempts are rate-limited per address). */
  transports?: Transport[];
  /** A token of its own instead of the role's (signing out ends the session it is sent with). */
  token?: (role: Role) => Promise<string | null>;
}

/** Who may call an operation at all: anyone (`public`), or the tokens with one of `opens`. */
interface Access {
  /** The scopes that let an API token through (none: tokens are refused). */
  opens?: ApiScope[];
  /** Open to anyone, tokens included, like anonymous callers (sign-in, sign-up, viewer). */
  public?: boolean;
}

interface Operation extends Access {
  field: string;
  doc: string;
  scenarios: Scenario[];
}

interface Subscription extends Access {
  field: string;
  doc: string;
  /** A trigger makes the server publish once the role's subscription listens on the bus `channel`. */
  scenarios: (Scenario & { trigger?: { channel: string; run: () => Promise<void> } })[];
}

/**
 * What a role must get: a token that no scope of the operation opens is FORBIDDEN; the token with
 * both scopes gets what the token with the opening scope gets (READ first).
 */
function expectationFor(op: Access, scenario: Scenario, role: Role): string {
  if (!isTokenRole(role) || op.public) {
    return role === "bothToken"
      ? scenario.expect[op.opens?.includes(ApiScope.IMPORT_NOTICES) && !op.opens.includes(ApiScope.READ) ? "importToken" : "readToken"]
      : scenario.expect[role];
  }
  const scopes: readonly ApiScope[] = TOKEN_SCOPES[role];
  if (!scopes.some((scope) => op.opens?.includes(scope))) return "FORBIDDEN";
  if (role !== "bothToken") return scenario.expect[role];
  return scenario.expect[op.opens?.includes(ApiScope.READ) ? "readToken" : "importToken"];
}

const ids = (value: unknown): string[] => {
  const edges = (value as { edges?: { node: { id: string } }[] }).edges ?? [];
  return edges.map((e) => e.node.id);
};
const which = (list: string[], named: Record<string, string>): string =>
  Object.entries(named)
    .filter(([, id]) => list.includes(id))
    .map(([name]) => name)
    .join(",");

// ---- fresh records for calls expected to succeed -----------------------------------------------

async function freshBidOfA(): Promise<{ bid: string; lead: string; lots: string[] }> {
  const tender = await openTender(server);
  const bid = await call(
    server,
    w.users.ownerA.token,
    CREATE_BID,
    { input: { tenderId: tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" } },
    "createBid.id",
  );
  const lead = await call(server, w.users.ownerA.token, `query($id: ID!) { bid(id: $id) { members { id } } }`, { id: bid }, "bid.members.0.id");
  return { bid, lead, lots: tender.lots };
}

const PROPOSE = `mutation($input: ProposeCompletionInput!) { proposeCompletion(input: $input) { id } }`;

/** A bid an officer proposed on behalf of A, on a tender of its own. */
async function freshProposalForA(): Promise<string> {
  const tender = await openTender(server);
  return call(server, w.users.officer.token, PROPOSE, { input: { tenderId: tender.gid, leadCooperativeId: w.coopA.gid } }, "proposeCompletion.id");
}

let proposalForA: Promise<string> | null = null;
/** The proposal refused callers are tried on: it stays PROPOSED. */
const sharedProposalForA = (): Promise<string> => (proposalForA ??= freshProposalForA());

/** The conversations of the client's order O and of A's bid (a conversation's id is its subject's). */
const conversationOfOrder = (): string => toGlobalId("Conversation", w.order.id);
const conversationOfBidA = (): string => toGlobalId("Conversation", Buffer.from(w.bidA.gid, "base64url").toString("utf8").split(":")[1]!);

let messageOfA: Promise<string> | null = null;
/** A message of A's bid conversation, posted once by A's owner. */
const sharedMessageOfA = (): Promise<string> =>
  (messageOfA ??= call(
    server,
    w.users.ownerA.token,
    `mutation($input: PostMessageInput!) { postMessage(input: $input) { id } }`,
    { input: { conversationId: conversationOfBidA(), body: "Bonjour" } },
    "postMessage.id",
  ));

async function freshSectionOfA(): Promise<string> {
  return call(
    server,
    w.users.ownerA.token,
    `mutation($input: AddSectionInput!) { addBidSection(input: $input) { id } }`,
    { input: { bidId: w.bidA.gid, title: "Jetable" } },
    "addBidSection.id",
  );
}

async function freshPriceLineOfA(): Promise<string> {
  return call(
    server,
    w.users.ownerA.token,
    `mutation($input: AddPriceLineInput!) { addBidPriceLine(input: $input) { id } }`,
    { input: { bidId: w.bidA.gid, lotId: w.tender.lots[1], memberId: w.bidA.leadMember, description: "Jetable", quantity: 1, unitPrice: 1 } },
    "addBidPriceLine.id",
  );
}

async function freshCooperative(): Promise<string> {
  return (await insertCooperative(server.orm.em.fork(), { owner: await createUser(server) })).gid;
}

/** A cooperative registered by a member and not checked yet. */
async function freshPendingCooperative(): Promise<{ cooperativeId: string; siret: string }> {
  const cooperative = await insertCooperative(server.orm.em.fork(), { owner: await createUser(server), status: CooperativeStatus.PENDING });
  return { cooperativeId: cooperative.gid, siret: cooperative.siret };
}

let sharedPending: Promise<{ cooperativeId: string; siret: string }> | null = null;

let ownerANotification: string | null = null;
/** A line of ownerA's inbox, written once (set-up). */
async function notificationOfOwnerA(): Promise<string> {
  if (!ownerANotification) {
    const [row] = await server.orm.em
      .fork()
      .transactional((em) => notifyPeople(em, [w.users.ownerA.id], { kind: NotificationKind.SHORTLIST_INVITATION, text: "Invitation", dedupeKey: "battery" }));
    ownerANotification = toGlobalId("Notification", row!.id);
  }
  return ownerANotification;
}

async function freshUser(role = PlatformRole.MEMBER) {
  return createUser(server, role);
}

/** A member of A to remove, inserted directly. */
async function freshMemberOfA(): Promise<string> {
  return (await buildMember(server, w.coopA.id, { user: await freshUser() })).globalId;
}

const PLATFORM_ROLE: Partial<Record<Role, Platform>> = {
  ownerA: Platform.MEMBER,
  memberA: Platform.MEMBER,
  ownerB: Platform.MEMBER,
  client: Platform.CLIENT,
  officer: Platform.MISSION_OFFICER,
  admin: Platform.ADMIN,
};

/** A new session of the role's person (a token to sign out with), or the role's own token. */
async function ownSession(role: Role): Promise<string | null> {
  const user = userOf(role);
  const platform = PLATFORM_ROLE[role];
  return user && platform ? sessionToken(server, user.id, platform) : w.tokens[role];
}

async function freshTender(status: TenderStatus, createdById?: string, kind?: TenderKind, clientId?: string): Promise<string> {
  return (await buildTender(server.orm.em.fork(), { status, createdById, kind, clientId })).gid;
}

/** A CLOSED tender with a submitted bid of cooperative A: what a won outcome needs. */
async function awardableTender(): Promise<string> {
  const tender = await buildTender(server.orm.em.fork(), { status: TenderStatus.CLOSED });
  await buildBid(server.orm.em.fork(), { tenderId: tender.id, cooperativeIds: [w.coopA.id] });
  return tender.gid;
}

/** Offers of cooperative C (no role of the table is its people), so that A's and B's bid counts stay as they are. */
const freshOffer = (clientId = w.users.client.id) => insertOffer(server, w.coopC.id, clientId);

let sharedOffers: Promise<{ mine: { bid: string; order: string }; other: { bid: string; order: string } }> | null = null;
/** The offers refused callers are tried on: they stay SUBMITTED. */
const offersToRefuse = () => (sharedOffers ??= (async () => ({ mine: await freshOffer(), other: await freshOffer(w.users.client2.id) }))());

/** The world's client belongs to an organisation (its order, placed before, stays its own). */
let clientOrganisation: Promise<string> | null = null;
const organisationOfClient = () =>
  (clientOrganisation ??= (async () => {
    const em = server.orm.em.fork();
    const organisation = em.create(ClientOrganisation, { name: "Client du monde", siret: validSiret() });
    await em.flush();
    await em.nativeUpdate(User, { id: w.users.client.id }, { clientOrganisation: organisation.id });
    return toGlobalId("ClientOrganisation", organisation.id);
  })());
/** A file uploaded over HTTP (src/files/): a PDF named `name`, its global id. */
async function uploadPdf(path: string, token: string, name: string): Promise<string> {
  const answer = await upload(server, path, token, pdf(), { fileName: name, category: "CERTIFICATE" });
  if (answer.status !== 201) throw new Error(`set-up upload failed: ${answer.status} ${answer.body.toString()}`);
  return String(answer.json.file?.id);
}

/** Shared records refused callers are tried on (they stay current); a fresh one for each success. */
const sharedFiles = new Map<string, Promise<string>>();
const shared = (key: string, make: () => Promise<string>) => sharedFiles.get(key) ?? (sharedFiles.set(key, make()), sharedFiles.get(key)!);
const documentOfT = (fresh: boolean) =>
  fresh
    ? uploadPdf(`/files/tenders/${w.tender.gid}`, w.users.officer.token, `dce-${randomUUID()}.pdf`)
    : shared("T", () => uploadPdf(`/files/tenders/${w.tender.gid}`, w.users.officer.token, "RC.pdf"));
const documentOfOrder = (fresh: boolean) =>
  fresh
    ? uploadPdf(`/files/tenders/${w.order.gid}`, w.users.client.token, `brief-${randomUUID()}.pdf`)
    : shared("O", () => uploadPdf(`/files/tenders/${w.order.gid}`, w.users.client.token, "brief.pdf"));
const attachmentOfA = (fresh: boolean) =>
  fresh
    ? uploadPdf(`/files/bids/${w.bidA.gid}`, w.users.ownerA.token, `kbis-${randomUUID()}.pdf`)
    : shared("A", () => uploadPdf(`/files/bids/${w.bidA.gid}`, w.users.ownerA.token, "kbis.pdf"));

const userOf = (role: Role) => {
  switch (role) {
    case "ownerA":
    case "memberA":
    case "ownerB":
    case "client":
    case "officer":
    case "admin":
      return w.users[role];
    default:
      return null;
  }
};

/** A saved search of the person, inserted directly. */
async function searchOf(userId: string): Promise<string> {
  const em = server.orm.em.fork();
  const search = em.create(SavedSearch, { owner: em.getReference(User, userId), name: "Alerte", keywords: ["affiche"] });
  await em.flush();
  return toGlobalId("SavedSearch", search.id);
}

let memberASearch: Promise<string> | null = null;
/** The search of memberA that refused callers are tried on: it stays as it is. */
const sharedSearchOfMemberA = (): Promise<string> => (memberASearch ??= searchOf(w.users.memberA.id));

/** A search of the role's own person when it may have one, else memberA's. */
async function ownSearch(role: Role, fresh: boolean): Promise<string> {
  const user = userOf(role);
  return fresh && user ? searchOf(user.id) : sharedSearchOfMemberA();
}

/** Who saves searches: members and the staff; clients and tokens do not. */
const SEARCHERS: Role[] = [...A_PEOPLE, "ownerB", ...STAFF];
const OF_MEMBER_A = rule(["memberA"], "NOT_FOUND", { client: "FORBIDDEN" });

const FIXTURES = path.resolve(__dirname, "../fixtures/eforms");
const NOTICE = readFileSync(path.join(FIXTURES, "cn_24_minimal.xml"), "utf8");

// ---- the table --------------------------------------------------------------------------------

const QUERIES: Operation[] = [
  {
    field: "viewer",
    public: true,
    doc: `query { viewer { id } }`,
    scenarios: [
      {
        name: "the signed-in user, null otherwise",
        vars: () => ({}),
        observe: (v, role) => ((v as { id: string }).id === userOf(role)?.globalId ? "self" : "someone else"),
        expect: rule([], "self", { anonymous: "NULL", readToken: "NULL", importToken: "NULL" }),
      },
    ],
  },
  {
    field: "node",
    opens: [ApiScope.READ],
    doc: `query($id: ID!) { node(id: $id) { id } }`,
    scenarios: [
      ...(["gid", "section", "priceLine", "invitedMember", "leadMember", "assignment", "event"] as const).map((part): Scenario => ({
        name: `A's bid: ${part}`,
        vars: () => ({ id: w.bidA[part] }),
        expect: rule([...A_PEOPLE, ...STAFF], "NULL"),
      })),
      { name: "the officer's draft", vars: () => ({ id: w.draft.gid }), expect: rule(STAFF, "NULL") },
      { name: "the client's order", vars: () => ({ id: w.order.gid }), expect: rule([...STAFF, "client"], "NULL") },
      {
        name: "a bid submitted on the client's order (the client reads its offer, never the bid)",
        vars: async () => ({ id: (await offersToRefuse()).mine.bid }),
        expect: rule(STAFF, "NULL"),
      },
      { name: "the open tender", vars: () => ({ id: w.tender.gid }), expect: rule(SIGNED_IN, "NULL", { client: "NULL" }) },
      { name: "a lot of T", vars: () => ({ id: w.tender.lots[0] }), expect: rule(SIGNED_IN, "NULL", { client: "NULL" }) },
      { name: "a membership of A", vars: () => ({ id: w.bidA.membership }), expect: rule([...A_PEOPLE, ...STAFF], "NULL") },
      { name: "A's shortlist entry", vars: () => ({ id: w.entry }), expect: rule([...A_PEOPLE, ...STAFF], "NULL") },
      { name: "the user ownerA", vars: () => ({ id: w.users.ownerA.globalId }), expect: rule(["ownerA", ...STAFF], "NULL") },
      { name: "cooperative A (the directory is open)", vars: () => ({ id: w.coopA.gid }), expect: rule(SIGNED_IN, "NULL") },
      { name: "an API token (no reader)", vars: () => ({ id: w.readTokenGid }), expect: rule([], "NULL") },
      { name: "ownerA's notification (its recipient only)", vars: async () => ({ id: await notificationOfOwnerA() }), expect: rule(["ownerA"], "NULL") },
      { name: "memberA's saved search", vars: async () => ({ id: await sharedSearchOfMemberA() }), expect: rule(["memberA"], "NULL") },
    ],
  },
  {
    // Conversations apart from the other nodes: each entry is one test, and each test has a time limit.
    field: "node",
    opens: [ApiScope.READ],
    doc: `query($id: ID!) { node(id: $id) { id } }`,
    scenarios: [
      { name: "the conversation of the client's order", vars: () => ({ id: conversationOfOrder() }), expect: rule(["client", ...STAFF], "NULL") },
      { name: "the conversation of A's bid", vars: () => ({ id: conversationOfBidA() }), expect: rule([...A_PEOPLE, ...STAFF], "NULL") },
      { name: "a message of A's bid conversation", vars: async () => ({ id: await sharedMessageOfA() }), expect: rule([...A_PEOPLE, ...STAFF], "NULL") },
    ],
  },
  {
    field: "bid",
    doc: `query($id: ID!) { bid(id: $id) { id title sections { text } priceLines { unitPrice } } }`,
    scenarios: [
      { name: "A's bid", vars: () => ({ id: w.bidA.gid }), expect: onBidOfA("OK", "OK") },
      { name: "B's bid", vars: () => ({ id: w.bidB.gid }), expect: rule(["ownerB", ...STAFF], "NOT_FOUND") },
      { name: "a missing bid", vars: () => ({ id: toGlobalId("Bid", randomUUID()) }), expect: rule([], "NOT_FOUND") },
    ],
  },
  {
    field: "bids",
    doc: `query($filter: BidFilter) { bids(first: 100, filter: $filter) { totalCount edges { node { id } } } }`,
    scenarios: [
      {
        name: "bids on T",
        vars: () => ({ filter: { tenderId: w.tender.gid } }),
        observe: (v) => which(ids(v), { A: w.bidA.gid, B: w.bidB.gid }) || "none",
        expect: rule([], "none", { anonymous: "UNAUTHENTICATED", ownerA: "A", memberA: "A", ownerB: "B", officer: "A,B", admin: "A,B" }),
      },
      {
        name: "bids of cooperative A",
        vars: () => ({ filter: { cooperativeId: w.coopA.gid } }),
        observe: (v) => `${(v as { totalCount: number }).totalCount}:${which(ids(v), { A: w.bidA.gid, B: w.bidB.gid }) || "none"}`,
        expect: rule([], "0:none", { anonymous: "UNAUTHENTICATED", ownerA: "1:A", memberA: "1:A", officer: "1:A", admin: "1:A" }),
      },
    ],
  },
  {
    field: "businessVolume",
    doc: `query { businessVolume { total { count awardedAmount } pipeline { count } } }`,
    scenarios: [{ name: "the figures", vars: () => ({}), expect: rule(STAFF, "FORBIDDEN") }],
  },
  {
    field: "cooperative",
    opens: [ApiScope.READ],
    doc: `query($id: ID!) { cooperative(id: $id) { id members { id } invitations { id } bids { totalCount edges { node { id } } } } }`,
    scenarios: [
      {
        name: "cooperative A: its people and bids only for its people and staff, its invitations only for its owners and staff",
        vars: () => ({ id: w.coopA.gid }),
        observe: (v) => {
          const c = v as { members: unknown; invitations: { id: string }[] | null; bids: unknown };
          const invitations = c.invitations ? (c.invitations.some((i) => i.id === w.invitation) ? "yes" : "empty") : "no";
          return `members:${c.members ? "yes" : "no"} invitations:${invitations} bids:${which(ids(c.bids), { A: w.bidA.gid }) || "none"}`;
        },
        expect: rule([], "members:no invitations:no bids:none", {
          anonymous: "UNAUTHENTICATED",
          ownerA: "members:yes invitations:yes bids:A",
          memberA: "members:yes invitations:no bids:A",
          officer: "members:yes invitations:yes bids:A",
          admin: "members:yes invitations:yes bids:A",
        }),
      },
      { name: "a missing cooperative", vars: () => ({ id: toGlobalId("Cooperative", randomUUID()) }), expect: rule([], "NOT_FOUND") },
    ],
  },
  {
    field: "cooperatives",
    opens: [ApiScope.READ],
    doc: `query { cooperatives(first: 100) { edges { node { id } } } }`,
    scenarios: [
      {
        name: "the directory",
        vars: () => ({}),
        observe: (v) => which(ids(v), { A: w.coopA.gid, B: w.coopB.gid }),
        expect: rule([], "A,B", { anonymous: "UNAUTHENTICATED" }),
      },
    ],
  },
  {
    field: "regions",
    opens: [ApiScope.READ],
    doc: `query { regions { code departments { code } } }`,
    scenarios: [
      {
        name: "the reference list, the same for everyone signed in",
        vars: () => ({}),
        observe: (v) => String((v as unknown[]).length),
        expect: rule([], "18", { anonymous: "UNAUTHENTICATED" }),
      },
    ],
  },
  {
    field: "departments",
    opens: [ApiScope.READ],
    doc: `query($region: String) { departments(region: $region) { code region { code } } }`,
    scenarios: [
      {
        name: "the departments of Normandie",
        vars: () => ({ region: "28" }),
        observe: (v) => String((v as unknown[]).length),
        expect: rule([], "5", { anonymous: "UNAUTHENTICATED" }),
      },
      { name: "an unknown region", vars: () => ({ region: "99" }), expect: rule([], "BAD_USER_INPUT", { anonymous: "UNAUTHENTICATED" }) },
    ],
  },
  {
    field: "communes",
    opens: [ApiScope.READ],
    doc: `query($search: String!) { communes(search: $search) { code precision department { code } } }`,
    scenarios: [
      {
        name: "a small commune by postcode",
        vars: () => ({ search: "76950" }),
        observe: (v) => (v as { code: string }[]).map((c) => c.code).join(","),
        expect: rule([], "76321", { anonymous: "UNAUTHENTICATED" }),
      },
    ],
  },
  {
    field: "tender",
    opens: [ApiScope.READ],
    doc: `query($id: ID!) { tender(id: $id) { id client { id } assignedOfficer { id } outcome { id } shortlist { id } bids(first: 100) { edges { node { id } } } } }`,
    scenarios: [
      {
        name: "the open tender T: bids and shortlist by viewer",
        vars: () => ({ id: w.tender.gid }),
        observe: (v) => {
          const t = v as { shortlist: { id: string }[]; bids: unknown };
          return `bids:${which(ids(t.bids), { A: w.bidA.gid, B: w.bidB.gid }) || "none"} shortlist:${t.shortlist.map((e) => (e.id === w.entry ? "A" : "?")).join(",") || "none"}`;
        },
        expect: rule([], "bids:none shortlist:none", {
          anonymous: "UNAUTHENTICATED",
          ownerA: "bids:A shortlist:A",
          memberA: "bids:A shortlist:A",
          ownerB: "bids:B shortlist:none",
          client: "NOT_FOUND",
          officer: "bids:A,B shortlist:A",
          admin: "bids:A,B shortlist:A",
        }),
      },
      { name: "the officer's draft", vars: () => ({ id: w.draft.gid }), expect: rule(STAFF, "NOT_FOUND") },
      {
        name: "the client's order (and who sees its client)",
        vars: () => ({ id: w.order.gid }),
        observe: (v) => ((v as { client: { id: string } | null }).client?.id === w.users.client.globalId ? "with client" : "without client"),
        expect: rule([], "NOT_FOUND", { anonymous: "UNAUTHENTICATED", client: "with client", officer: "with client", admin: "with client" }),
      },
      { name: "another client's order", vars: () => ({ id: w.order2.gid }), expect: rule(STAFF, "NOT_FOUND") },
      { name: "a missing tender", vars: () => ({ id: toGlobalId("Tender", randomUUID()) }), expect: rule([], "NOT_FOUND") },
    ],
  },
  {
    field: "tenders",
    opens: [ApiScope.READ],
    doc: `query { tenders(first: 100) { edges { node { id } } } }`,
    scenarios: [
      {
        name: "the list, by viewer",
        vars: () => ({}),
        observe: (v) => which(ids(v), { T: w.tender.gid, D: w.draft.gid, O: w.order.gid, O2: w.order2.gid }) || "none",
        expect: rule([], "T", { anonymous: "UNAUTHENTICATED", client: "O", officer: "T,D,O,O2", admin: "T,D,O,O2" }),
      },
    ],
  },
  {
    field: "myCooperativeInvitations",
    doc: `query { myCooperativeInvitations { id cooperative { id } } }`,
    scenarios: [
      {
        name: "one's own pending invitations (ownerB is invited to A)",
        vars: () => ({}),
        observe: (v) => (v as { id: string }[]).map((i) => (i.id === w.invitation ? "A" : "?")).join(",") || "none",
        expect: rule([], "none", { anonymous: "UNAUTHENTICATED", ownerB: "A" }),
      },
    ],
  },
  {
    field: "clientOrganisation",
    doc: `query($id: ID!) { clientOrganisation(id: $id) { id people { id } orders(first: 5) { totalCount } } }`,
    scenarios: [
      {
        name: "the client's organisation (its people and staff)",
        vars: async () => ({ id: await organisationOfClient() }),
        expect: rule(["client", ...STAFF], "NOT_FOUND", { readToken: "FORBIDDEN", importToken: "FORBIDDEN", bothToken: "FORBIDDEN" }),
      },
    ],
  },
];

// A tender's ranking is a field, not a root; it is checked on `tender` here, as integrators use it.
QUERIES.find((q) => q.field === "tender")!.scenarios.push({
  name: "T's ranking of the directory (staff and READ integrators)",
  doc: `query($id: ID!) { tender(id: $id) { matches(first: 5) { totalCount } } }`,
  vars: () => ({ id: w.tender.gid }),
  expect: rule([...STAFF, "readToken"], "FORBIDDEN", { client: "NOT_FOUND" }),
});
// The client never reaches the matching, not even on its own order; offers are for it and the staff.
QUERIES.find((q) => q.field === "tender")!.scenarios.push(
  {
    name: "the client's order's ranking",
    doc: `query($id: ID!) { tender(id: $id) { matches(first: 5) { totalCount } } }`,
    vars: () => ({ id: w.order.gid }),
    expect: rule(STAFF, "NOT_FOUND", { client: "FORBIDDEN" }),
  },
  {
    name: "the offers on the client's order (never the bid itself to the client: see `node`)",
    doc: `query($id: ID!) { tender(id: $id) { offers { bidId } } }`,
    vars: async () => ({ id: (await offersToRefuse()).mine.order }),
    observe: (v) => String((v as { offers: unknown[] }).offers.length),
    expect: rule([], "NOT_FOUND", { client: "1", officer: "1", admin: "1" }),
  },
);

const MUTATIONS: Operation[] = [
  {
    field: "signUp",
    public: true,
    doc: `mutation($input: SignUpInput!) { signUp(input: $input) { accepted message } }`,
    scenarios: [
      {
        name: "anyone opens an account",
        vars: () => ({ input: { email: `new-${randomBytes(5).toString("hex")}@test.coop`, name: "Nouveau", password: "a long enough password" } }),
        expect: rule(ROLES, "OK"),
      },
      {
        name: "an email already taken: the same answer (the owner is told by mail)",
        vars: async () => ({ input: { email: (await freshUser()).email, name: "Imposteur", password: "a long enough password" } }),
        expect: rule(ROLES, "OK"),
      },
      {
        name: "a weak password",
        vars: () => ({ input: { email: `weak-${randomBytes(5).toString("hex")}@test.coop`, name: "Nouveau", password: "aaaaaaaaaa" } }),
        expect: rule([], "BAD_USER_INPUT", { anonymous: "BAD_USER_INPUT" }),
      },
    ],
  },
  {
    field: "verifyEmail",
    public: true,
    doc: `mutation($token: String!) { verifyEmail(token: $token) { id } }`,
    scenarios: [
      {
        name: "a live token from a verification mail (whoever holds it)",
        vars: async () => ({ token: (await createUnverifiedUser(server)).verificationToken }),
        expect: rule(ROLES, "OK"),
      },
      {
        name: "an unknown token",
        vars: () => ({ token: randomBytes(32).toString("base64url") }),
        expect: rule([], "BAD_USER_INPUT", { anonymous: "BAD_USER_INPUT" }),
      },
    ],
  },
  {
    field: "resendVerification",
    public: true,
    doc: `mutation($email: String!) { resendVerification(email: $email) { accepted } }`,
    scenarios: [
      { name: "an unverified account's address", vars: async () => ({ email: (await createUnverifiedUser(server)).email }), expect: rule(ROLES, "OK") },
      { name: "an address with no account", vars: () => ({ email: `nobody-${randomBytes(4).toString("hex")}@test.coop` }), expect: rule(ROLES, "OK") },
    ],
  },
  {
    field: "verifyCooperative",
    doc: `mutation($input: VerifyCooperativeInput!) { verifyCooperative(input: $input) { id } }`,
    scenarios: [
      {
        name: "a pending cooperative, with its SIRET",
        vars: async (_role, fresh) => ({ input: fresh ? await freshPendingCooperative() : await (sharedPending ??= freshPendingCooperative()) }),
        expect: rule(STAFF, "FORBIDDEN"),
      },
      {
        name: "a pending cooperative, with a SIRET of wrong key",
        vars: async () => {
          const { cooperativeId, siret } = await (sharedPending ??= freshPendingCooperative());
          return { input: { cooperativeId, siret: siret.slice(0, 13) + String((Number(siret[13]) + 1) % 10) } };
        },
        expect: rule([], "FORBIDDEN", { officer: "BAD_USER_INPUT", admin: "BAD_USER_INPUT" }),
      },
    ],
  },
  {
    field: "signIn",
    public: true,
    doc: `mutation($input: SignInInput!) { signIn(input: $input) { user { id } } }`,
    scenarios: [
      {
        name: "right credentials",
        vars: async () => ({ input: { email: (await freshUser()).email, password: FACTORY_PASSWORD } }),
        expect: rule(ROLES, "OK"),
      },
      {
        name: "a wrong password",
        transports: ["http"],
        vars: () => ({ input: { email: w.users.memberA.email, password: "not the password" } }),
        expect: rule([], "UNAUTHENTICATED"),
      },
    ],
  },
  {
    field: "createApiToken",
    doc: `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id } } }`,
    scenarios: [{ name: "a READ token", vars: () => ({ input: { name: "t", scopes: ["READ"] } }), expect: rule(["admin"], "FORBIDDEN") }],
  },
  {
    field: "revokeApiToken",
    doc: `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`,
    scenarios: [
      {
        name: "the READ integrator's token",
        vars: async (_role, fresh) => ({
          id: fresh
            ? await call(
                server,
                w.users.admin.token,
                `mutation { createApiToken(input: { name: "x", scopes: [READ] }) { apiToken { id } } }`,
                {},
                "createApiToken.apiToken.id",
              )
            : w.readTokenGid,
        }),
        expect: rule(["admin"], "FORBIDDEN"),
      },
    ],
  },
  {
    field: "setUserRole",
    doc: `mutation($id: ID!, $role: PlatformRole!) { setUserRole(userId: $id, role: $role) { id } }`,
    scenarios: [
      {
        name: "promoting oneself (or memberA) to ADMIN",
        vars: async (role, fresh) => ({ id: fresh ? (await freshUser()).globalId : (userOf(role) ?? w.users.memberA).globalId, role: "ADMIN" }),
        expect: rule(["admin"], "FORBIDDEN"),
      },
    ],
  },
  {
    field: "createCooperative",
    doc: `mutation($input: CreateCooperativeInput!) { createCooperative(input: $input) { id } }`,
    scenarios: [
      {
        name: "registering a cooperative",
        vars: () => ({ input: { name: "Nouvelle coop", legalForm: "SCOP_SARL", siret: validSiret() } }),
        expect: rule([...A_PEOPLE, "ownerB", ...STAFF], "FORBIDDEN"),
      },
    ],
  },
  {
    field: "updateCooperative",
    doc: `mutation($id: ID!, $input: UpdateCooperativeInput!) { updateCooperative(id: $id, input: $input) { id } }`,
    scenarios: [
      {
        name: "cooperative A",
        vars: () => ({ id: w.coopA.gid, input: { description: "Imprimerie coopérative" } }),
        expect: rule(["ownerA", ...STAFF], "FORBIDDEN"),
      },
      {
        name: "a missing cooperative",
        vars: () => ({ id: toGlobalId("Cooperative", randomUUID()), input: { description: "x" } }),
        expect: rule([], "NOT_FOUND"),
      },
    ],
  },
  {
    field: "setCooperativeSkill",
    doc: `mutation($id: ID!, $skill: SkillInput!) { setCooperativeSkill(cooperativeId: $id, skill: $skill) { id } }`,
    scenarios: [
      { name: "a skill of A", vars: () => ({ id: w.coopA.gid, skill: { code: "79810000", level: 5 } }), expect: rule(["ownerA", ...STAFF], "FORBIDDEN") },
    ],
  },
  {
    field: "removeCooperativeSkill",
    doc: `mutation($id: ID!, $code: String!) { removeCooperativeSkill(cooperativeId: $id, code: $code) { id } }`,
    scenarios: [
      {
        name: "a skill of A",
        vars: async (_role, fresh) => {
          if (!fresh) return { id: w.coopA.gid, code: w.skill };
          await call(
            server,
            w.users.admin.token,
            `mutation($id: ID!) { setCooperativeSkill(cooperativeId: $id, skill: { code: "79820000", level: 2 }) { id } }`,
            { id: w.coopA.gid },
            "setCooperativeSkill.id",
          );
          return { id: w.coopA.gid, code: "79820000" };
        },
        expect: rule(["ownerA", ...STAFF], "FORBIDDEN"),
      },
    ],
  },
  {
    field: "addCooperativeReference",
    doc: `mutation($id: ID!, $r: ReferenceInput!) { addCooperativeReference(cooperativeId: $id, reference: $r) { id } }`,
    scenarios: [
      {
        name: "a reference for A",
        vars: () => ({ id: w.coopA.gid, r: { title: "Affiches", client: "Ville", code: "79810000", year: 2022 } }),
        expect: rule(["ownerA", ...STAFF], "FORBIDDEN"),
      },
    ],
  },
  {
    field: "removeCooperativeReference",
    doc: `mutation($id: ID!) { removeCooperativeReference(id: $id) { id } }`,
    scenarios: [
      {
        name: "a reference of A",
        vars: async (_role, fresh) => ({
          id: fresh
            ? await call(
                server,
                w.users.ownerA.token,
                `mutation($id: ID!) { addCooperativeReference(cooperativeId: $id, reference: { title: "Jetable", client: "X", code: "79810000", year: 2021 }) { id } }`,
                { id: w.coopA.gid },
                "addCooperativeReference.id",
              )
            : w.reference,
        }),
        expect: rule(["ownerA", ...STAFF], "FORBIDDEN"),
      },
    ],
  },
  {
    field: "addCooperativeMember",
    doc: `mutation($input: AddMemberInput!) { addCooperativeMember(input: $input) { id } }`,
    scenarios: [
      {
        name: "deprecated: invites someone (ownerB when refused) to A, and returns null",
        vars: async (_role, fresh) => ({
          input: { cooperativeId: w.coopA.gid, email: fresh ? (await freshUser()).email : w.users.ownerB.email, role: "OWNER" },
        }),
        expect: rule([], "FORBIDDEN", { ownerA: "NULL", officer: "NULL", admin: "NULL" }),
      },
    ],
  },
  {
    field: "inviteCooperativeMember",
    doc: `mutation($input: InviteMemberInput!) { inviteCooperativeMember(input: $input) { id status } }`,
    scenarios: [
      {
        name: "inviting someone (ownerB himself when refused) to A",
        vars: async (_role, fresh) => ({
          input: { cooperativeId: w.coopA.gid, email: fresh ? `invited-${randomUUID()}@test.coop` : w.users.ownerB.email, role: "OWNER" },
        }),
        expect: rule(["ownerA", ...STAFF], "FORBIDDEN"),
      },
      {
        name: "a missing cooperative",
        vars: () => ({ input: { cooperativeId: toGlobalId("Cooperative", randomUUID()), email: w.users.ownerB.email, role: "MEMBER" } }),
        expect: rule([], "NOT_FOUND"),
      },
    ],
  },
  {
    field: "answerCooperativeInvitation",
    doc: `mutation($input: AnswerCooperativeInvitationInput!) { answerCooperativeInvitation(input: $input) { id status } }`,
    scenarios: [
      {
        name: "accepting an invitation sent to one's own address (a client account may not)",
        vars: async (role) => {
          const email = (userOf(role) ?? w.users.memberA2).email;
          return { input: { invitationId: await insertInvitation(server, (await insertCooperative(server.orm.em.fork())).id, email), accept: true } };
        },
        expect: rule(
          PEOPLE.filter((r) => r !== "client"),
          "FORBIDDEN",
        ),
      },
      {
        name: "someone else's invitation (memberA2's), like a missing one",
        vars: async () => ({
          input: { invitationId: await insertInvitation(server, (await insertCooperative(server.orm.em.fork())).id, w.users.memberA2.email), accept: true },
        }),
        expect: rule([], "NOT_FOUND"),
      },
    ],
  },
  {
    field: "revokeCooperativeInvitation",
    doc: `mutation($id: ID!) { revokeCooperativeInvitation(invitationId: $id) { id status } }`,
    scenarios: [
      {
        name: "a pending invitation of A (ownerB's when refused)",
        vars: async (_role, fresh) => ({ id: fresh ? await insertInvitation(server, w.coopA.id, `revoked-${randomUUID()}@test.coop`) : w.invitation }),
        expect: rule(["ownerA", ...STAFF], "NOT_FOUND"),
      },
    ],
  },
  {
    field: "setCooperativeMemberRole",
    doc: `mutation($input: SetMemberRoleInput!) { setCooperativeMemberRole(input: $input) { id role } }`,
    scenarios: [
      {
        name: "making a member of A (memberA2 when refused) an owner",
        vars: async (_role, fresh) => ({
          input: { cooperativeId: w.coopA.gid, userId: fresh ? await freshMemberOfA() : w.users.memberA2.globalId, role: "OWNER" },
        }),
        expect: rule(["ownerA", ...STAFF], "FORBIDDEN"),
      },
    ],
  },
  {
    field: "signOut",
    doc: `mutation { signOut }`,
    scenarios: [
      {
        name: "ending one's own session (a session of its own)",
        token: ownSession,
        vars: () => ({}),
        expect: rule(PEOPLE, "FORBIDDEN"),
      },
    ],
  },
  {
    field: "refreshSession",
    doc: `mutation { refreshSession { expiresAt } }`,
    scenarios: [{ name: "one's own session", vars: () => ({}), expect: rule(PEOPLE, "FORBIDDEN") }],
  },
  {
    field: "removeCooperativeMember",
    doc: `mutation($id: ID!, $user: ID!) { removeCooperativeMember(cooperativeId: $id, userId: $user) { id } }`,
    scenarios: [
      {
        name: "removing a member of A",
        vars: async (_role, fresh) => ({ id: w.coopA.gid, user: fresh ? await freshMemberOfA() : w.users.memberA2.globalId }),
        expect: rule(["ownerA", ...STAFF], "FORBIDDEN"),
      },
    ],
  },
  {
    field: "createTender",
    doc: `mutation($input: CreateTenderInput!) { createTender(input: $input) { id } }`,
    scenarios: [
      { name: "a public tender", vars: () => ({ input: { kind: "PUBLIC_TENDER", title: "Appel", buyerName: "Ville" } }), expect: rule(STAFF, "FORBIDDEN") },
      { name: "a direct order", vars: () => ({ input: { kind: "DIRECT_ORDER", title: "Commande", buyerName: "Client" } }), expect: rule(STAFF, "FORBIDDEN") },
    ],
  },
  {
    field: "submitDirectOrder",
    doc: `mutation($input: CreateTenderInput!) { submitDirectOrder(input: $input) { id } }`,
    scenarios: [{ name: "a direct order", vars: () => ({ input: { kind: "DIRECT_ORDER", title: "Commande" } }), expect: rule(["client"], "FORBIDDEN") }],
  },
  {
    field: "updateTender",
    doc: `mutation($id: ID!, $input: UpdateTenderInput!) { updateTender(id: $id, input: $input) { id } }`,
    scenarios: [
      { name: "T", vars: () => ({ id: w.tender.gid, input: { description: "Brochures A5" } }), expect: rule(STAFF, "FORBIDDEN") },
      { name: "the client's order", vars: () => ({ id: w.order.gid, input: { description: "Commande" } }), expect: rule(STAFF, "FORBIDDEN") },
    ],
  },
  {
    field: "publishTender",
    doc: `mutation($id: ID!) { publishTender(id: $id) { id } }`,
    scenarios: [
      {
        name: "a draft (the officer's when refused)",
        vars: async (role, fresh) => ({ id: fresh ? await freshTender(TenderStatus.DRAFT, userOf(role)?.id) : w.draft.gid }),
        expect: rule(STAFF, "FORBIDDEN"),
      },
    ],
  },
  {
    field: "closeTender",
    doc: `mutation($id: ID!) { closeTender(id: $id) { id } }`,
    scenarios: [
      {
        name: "an open tender (T when refused)",
        vars: async (_r, fresh) => ({ id: fresh ? await freshTender(TenderStatus.OPEN) : w.tender.gid }),
        expect: rule(STAFF, "FORBIDDEN"),
      },
    ],
  },
  {
    field: "cancelTender",
    doc: `mutation($id: ID!) { cancelTender(id: $id) { id } }`,
    scenarios: [
      {
        name: "a public tender (T when refused)",
        vars: async (_r, fresh) => ({ id: fresh ? await freshTender(TenderStatus.OPEN) : w.tender.gid }),
        expect: rule(STAFF, "FORBIDDEN", { client: "NOT_FOUND" }),
      },
      {
        name: "the client's own order",
        vars: async (_r, fresh) => ({ id: fresh ? await freshTender(TenderStatus.OPEN, undefined, TenderKind.DIRECT_ORDER, w.users.client.id) : w.order.gid }),
        expect: rule([...STAFF, "client"], "FORBIDDEN"),
      },
      {
        name: "another client's order",
        vars: async (_r, fresh) => ({
          id: fresh ? await freshTender(TenderStatus.OPEN, undefined, TenderKind.DIRECT_ORDER, w.users.client2.id) : w.order2.gid,
        }),
        expect: rule(STAFF, "FORBIDDEN", { client: "NOT_FOUND" }),
      },
    ],
  },
  {
    field: "assignTenderOfficer",
    doc: `mutation($id: ID!, $officer: ID) { assignTenderOfficer(id: $id, officerId: $officer) { id } }`,
    scenarios: [{ name: "T", vars: () => ({ id: w.tender.gid, officer: w.users.officer.globalId }), expect: rule(STAFF, "FORBIDDEN") }],
  },
  {
    field: "importNotice",
    opens: [ApiScope.IMPORT_NOTICES],
    doc: `mutation($xml: String!) { importNotice(xml: $xml) { status } }`,
    scenarios: [{ name: "a contract notice", vars: () => ({ xml: NOTICE }), expect: rule([...STAFF, "importToken"], "FORBIDDEN") }],
  },
  {
    field: "shortlistCooperative",
    doc: `mutation($input: ShortlistInput!) { shortlistCooperative(input: $input) { id } }`,
    scenarios: [
      { name: "A on T", vars: () => ({ input: { tenderId: w.tender.gid, cooperativeId: w.coopA.gid, note: "proche" } }), expect: rule(STAFF, "FORBIDDEN") },
    ],
  },
  {
    field: "answerInvitation",
    doc: `mutation($input: AnswerInvitationInput!) { answerInvitation(input: $input) { id } }`,
    scenarios: [
      {
        name: "A's invitation on T",
        vars: () => ({ input: { invitationId: w.entry, answer: "INTERESTED" } }),
        expect: rule(A_PEOPLE, "FORBIDDEN", { ownerB: "NOT_FOUND" }),
      },
    ],
  },
  {
    field: "recordTenderOutcome",
    doc: `mutation($id: ID!, $input: OutcomeInput!) { recordTenderOutcome(tenderId: $id, input: $input) { outcome { id } } }`,
    scenarios: [
      {
        name: "a closed tender (T when refused)",
        vars: async (_r, fresh) => ({
          id: fresh ? await awardableTender() : w.tender.gid,
          input: { result: "WON", winnerIds: [w.coopA.gid], awardedAmount: 10000 },
        }),
        expect: rule(STAFF, "FORBIDDEN"),
      },
    ],
  },
  {
    field: "createBid",
    doc: CREATE_BID,
    scenarios: [
      {
        name: "a bid led by A (on T when refused)",
        vars: async (_r, fresh) => ({
          input: { tenderId: fresh ? (await openTender(server)).gid : w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" },
        }),
        expect: rule(A_PEOPLE, "FORBIDDEN", { client: "NOT_FOUND" }),
      },
      {
        name: "a bid led by one's own cooperative on the client's direct order",
        vars: (role) => ({ input: { tenderId: w.order.gid, leadCooperativeId: role === "ownerB" ? w.coopB.gid : w.coopA.gid, groupType: "CONJOINT" } }),
        expect: rule([], "FORBIDDEN", { ownerA: "NOT_FOUND", memberA: "NOT_FOUND", ownerB: "NOT_FOUND" }),
      },
    ],
  },
  {
    field: "requestCompletion",
    doc: `mutation($input: RequestCompletionInput!) { requestCompletion(input: $input) { id } }`,
    scenarios: [
      {
        name: "completing A's offer (on T when refused)",
        vars: async (_r, fresh) => ({ input: { tenderId: fresh ? (await openTender(server)).gid : w.tender.gid, leadCooperativeId: w.coopA.gid } }),
        expect: rule(A_PEOPLE, "FORBIDDEN", { client: "NOT_FOUND" }),
      },
    ],
  },
  {
    field: "proposeCompletion",
    doc: PROPOSE,
    scenarios: [
      {
        name: "proposing a bid on behalf of A (on T when refused, which A already leads a bid on)",
        vars: async (_r, fresh) => ({ input: { tenderId: fresh ? (await openTender(server)).gid : w.tender.gid, leadCooperativeId: w.coopA.gid } }),
        expect: rule(STAFF, "FORBIDDEN"),
      },
    ],
  },
  {
    field: "acceptProposedBid",
    doc: `mutation($input: ProposalAnswerInput!) { acceptProposedBid(input: $input) { id status } }`,
    scenarios: [
      {
        name: "a bid proposed on behalf of A",
        vars: async (_r, fresh) => ({ input: { bidId: fresh ? await freshProposalForA() : await sharedProposalForA() } }),
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
    ],
  },
  {
    field: "declineProposedBid",
    doc: `mutation($input: ProposalAnswerInput!) { declineProposedBid(input: $input) { id status } }`,
    scenarios: [
      {
        name: "a bid proposed on behalf of A",
        vars: async (_r, fresh) => ({ input: { bidId: fresh ? await freshProposalForA() : await sharedProposalForA(), reason: "Pas cette fois" } }),
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
    ],
  },
  {
    field: "updateBid",
    doc: `mutation($input: UpdateBidInput!) { updateBid(input: $input) { id } }`,
    scenarios: [
      {
        name: "A's bid",
        vars: async (_r, fresh) => ({ input: { bidId: fresh ? (await freshBidOfA()).bid : w.bidA.gid, expectedVersion: 1, title: "Renommée" } }),
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
    ],
  },
  {
    field: "transitionBid",
    doc: `mutation($input: TransitionBidInput!) { transitionBid(input: $input) { id status } }`,
    scenarios: [
      {
        name: "A's bid to IN_REVIEW",
        vars: async (_r, fresh) => ({ input: { bidId: fresh ? (await freshBidOfA()).bid : w.bidA.gid, expectedVersion: 1, status: "IN_REVIEW" } }),
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
      {
        name: "A's bid to WON (staff only, and only after submission)",
        vars: () => ({ input: { bidId: w.bidA.gid, expectedVersion: 1, status: "WON" } }),
        expect: onBidOfA("FORBIDDEN", "INVALID_STATE"),
      },
    ],
  },
  {
    field: "submitBid",
    doc: `mutation($input: SubmitBidInput!) { submitBid(input: $input) { id } }`,
    scenarios: [
      { name: "A's bid, a DRAFT", vars: () => ({ input: { bidId: w.bidA.gid, expectedVersion: 1 } }), expect: onBidOfA("INVALID_STATE", "FORBIDDEN") },
    ],
  },
  {
    field: "setBidLots",
    doc: `mutation($input: SetBidLotsInput!) { setBidLots(input: $input) { id } }`,
    scenarios: [
      {
        name: "the lots of A's bid",
        vars: async (_r, fresh) => {
          if (!fresh) return { input: { bidId: w.bidA.gid, lotIds: [w.tender.lots[0]], expectedVersion: 1 } };
          const f = await freshBidOfA();
          return { input: { bidId: f.bid, lotIds: [f.lots[0]], expectedVersion: 1 } };
        },
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
    ],
  },
  {
    field: "inviteBidMember",
    doc: `mutation($input: InviteBidMemberInput!) { inviteBidMember(input: $input) { id } }`,
    scenarios: [
      {
        name: "into A's bid (B inviting itself when refused)",
        vars: async (_r, fresh) => ({ input: { bidId: w.bidA.gid, cooperativeId: fresh ? await freshCooperative() : w.coopB.gid } }),
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
    ],
  },
  {
    field: "answerBidInvitation",
    doc: `mutation($input: AnswerBidInvitationInput!) { answerBidInvitation(input: $input) { id status } }`,
    scenarios: [
      {
        name: "C's invitation into A's bid",
        vars: () => ({ input: { memberId: w.bidA.invitedMember, accept: true } }),
        expect: onBidOfA("FORBIDDEN", "FORBIDDEN"),
      },
      {
        name: "A's invitation into a bid of C",
        vars: async () => {
          const tender = await openTender(server);
          const bid = await call(
            server,
            w.users.ownerC.token,
            CREATE_BID,
            { input: { tenderId: tender.gid, leadCooperativeId: w.coopC.gid, groupType: "CONJOINT" } },
            "createBid.id",
          );
          const member = await call(
            server,
            w.users.ownerC.token,
            `mutation($input: InviteBidMemberInput!) { inviteBidMember(input: $input) { id } }`,
            { input: { bidId: bid, cooperativeId: w.coopA.gid } },
            "inviteBidMember.id",
          );
          return { input: { memberId: member, accept: true } };
        },
        expect: rule(A_PEOPLE, "NOT_FOUND", { officer: "FORBIDDEN", admin: "FORBIDDEN" }),
      },
    ],
  },
  {
    field: "removeBidMember",
    doc: `mutation($input: RemoveBidMemberInput!) { removeBidMember(input: $input) { id } }`,
    scenarios: [
      {
        name: "C from A's bid",
        vars: async (_r, fresh) => {
          if (!fresh) return { input: { memberId: w.bidA.invitedMember, expectedVersion: 1 } };
          const member = await call(
            server,
            w.users.ownerA.token,
            `mutation($input: InviteBidMemberInput!) { inviteBidMember(input: $input) { id } }`,
            { input: { bidId: w.bidA.gid, cooperativeId: await freshCooperative() } },
            "inviteBidMember.id",
          );
          return { input: { memberId: member, expectedVersion: 1 } };
        },
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
    ],
  },
  {
    field: "assignBidLot",
    doc: `mutation($input: AssignLotInput!) { assignBidLot(input: $input) { id } }`,
    scenarios: [
      {
        name: "a lot of A's bid",
        vars: async (_r, fresh) => {
          if (!fresh) return { input: { bidId: w.bidA.gid, lotId: w.tender.lots[1], memberId: w.bidA.leadMember, expectedVersion: 0 } };
          const f = await freshBidOfA();
          return { input: { bidId: f.bid, lotId: f.lots[0], memberId: f.lead, expectedVersion: 0 } };
        },
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
    ],
  },
  {
    field: "addBidSection",
    doc: `mutation($input: AddSectionInput!) { addBidSection(input: $input) { id } }`,
    scenarios: [{ name: "in A's bid", vars: () => ({ input: { bidId: w.bidA.gid, title: "Espion" } }), expect: onBidOfA("OK", "FORBIDDEN") }],
  },
  {
    field: "updateBidSection",
    doc: `mutation($input: UpdateSectionInput!) { updateBidSection(input: $input) { id } }`,
    scenarios: [
      {
        name: "a section of A's bid",
        vars: async (_r, fresh) => ({ input: { sectionId: fresh ? await freshSectionOfA() : w.bidA.section, expectedVersion: 1, title: "Retitrée" } }),
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
    ],
  },
  {
    field: "removeBidSection",
    doc: `mutation($input: RemoveSectionInput!) { removeBidSection(input: $input) { id } }`,
    scenarios: [
      {
        name: "a section of A's bid",
        vars: async (_r, fresh) => ({ input: { sectionId: fresh ? await freshSectionOfA() : w.bidA.section, expectedVersion: 1 } }),
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
    ],
  },
  {
    field: "applySectionUpdate",
    doc: `mutation($input: ApplySectionUpdateInput!) { applySectionUpdate(input: $input) { seq } }`,
    scenarios: [
      { name: "text in A's section", vars: () => ({ input: { sectionId: w.bidA.section, update: yUpdate("ajout") } }), expect: onBidOfA("OK", "FORBIDDEN") },
    ],
  },
  {
    field: "sendSectionAwareness",
    doc: `mutation($input: SectionAwarenessInput!) { sendSectionAwareness(input: $input) }`,
    scenarios: [
      {
        name: "a cursor in A's section (readers may show where they read; nothing is stored)",
        vars: () => ({ input: { sectionId: w.bidA.section, update: awarenessUpdate("curseur") } }),
        expect: onBidOfA("OK", "OK"),
      },
    ],
  },
  {
    field: "addBidPriceLine",
    doc: `mutation($input: AddPriceLineInput!) { addBidPriceLine(input: $input) { id } }`,
    scenarios: [
      {
        name: "in A's bid",
        vars: () => ({ input: { bidId: w.bidA.gid, lotId: w.tender.lots[1], memberId: w.bidA.leadMember, description: "Site", quantity: 1, unitPrice: 100 } }),
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
    ],
  },
  {
    field: "updateBidPriceLine",
    doc: `mutation($input: UpdatePriceLineInput!) { updateBidPriceLine(input: $input) { id } }`,
    scenarios: [
      {
        name: "a line of A's bid",
        vars: async (_r, fresh) => ({ input: { priceLineId: fresh ? await freshPriceLineOfA() : w.bidA.priceLine, expectedVersion: 1, unitPrice: 0.01 } }),
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
    ],
  },
  {
    field: "removeBidPriceLine",
    doc: `mutation($input: RemovePriceLineInput!) { removeBidPriceLine(input: $input) { id } }`,
    scenarios: [
      {
        name: "a line of A's bid",
        vars: async (_r, fresh) => ({ input: { priceLineId: fresh ? await freshPriceLineOfA() : w.bidA.priceLine, expectedVersion: 1 } }),
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
    ],
  },
  {
    field: "deleteDocument",
    doc: `mutation($id: ID!) { deleteDocument(id: $id) { id deletedAt } }`,
    scenarios: [
      {
        name: "a document of T (uploaded by the officer)",
        vars: async (_r, fresh) => ({ id: await documentOfT(fresh) }),
        expect: rule(STAFF, "FORBIDDEN", { client: "NOT_FOUND" }),
      },
      {
        name: "a document of the client's order",
        vars: async (_r, fresh) => ({ id: await documentOfOrder(fresh) }),
        expect: rule([...STAFF, "client"], "FORBIDDEN", { ownerA: "NOT_FOUND", memberA: "NOT_FOUND", ownerB: "NOT_FOUND" }),
      },
      { name: "a missing document", vars: () => ({ id: toGlobalId("TenderDocument", randomUUID()) }), expect: rule([], "NOT_FOUND") },
    ],
  },
  {
    field: "deleteAttachment",
    doc: `mutation($id: ID!) { deleteAttachment(id: $id) { id deletedAt } }`,
    scenarios: [
      {
        name: "an attachment of A's bid (uploaded by ownerA)",
        vars: async (_r, fresh) => ({ id: await attachmentOfA(fresh) }),
        expect: onBidOfA("OK", "FORBIDDEN"),
      },
      { name: "a missing attachment", vars: () => ({ id: toGlobalId("BidAttachment", randomUUID()) }), expect: rule([], "NOT_FOUND") },
    ],
  },
  {
    field: "bidPresenceHeartbeat",
    doc: `mutation($input: BidPresenceInput!) { bidPresenceHeartbeat(input: $input) }`,
    scenarios: [
      {
        name: "online in A's bid (readers may be seen online; nothing is stored)",
        vars: () => ({ input: { bidId: w.bidA.gid, leaving: true } }),
        expect: onBidOfA("OK", "OK"),
      },
    ],
  },
  {
    field: "postMessage",
    doc: `mutation($input: PostMessageInput!) { postMessage(input: $input) { id body } }`,
    scenarios: [
      {
        name: "in the client's order",
        vars: () => ({ input: { conversationId: conversationOfOrder(), body: "Bonjour" } }),
        expect: rule(["client", ...STAFF], "NOT_FOUND"),
      },
      {
        name: "in A's bid (a draft: never the client's)",
        vars: () => ({ input: { conversationId: conversationOfBidA(), body: "Bonjour" } }),
        expect: onBidOfA("OK", "OK"),
      },
      {
        name: "in another client's order",
        vars: () => ({ input: { conversationId: toGlobalId("Conversation", w.order2.id), body: "Bonjour" } }),
        expect: rule(STAFF, "NOT_FOUND"),
      },
      {
        name: "in a missing conversation",
        vars: () => ({ input: { conversationId: toGlobalId("Conversation", randomUUID()), body: "Bonjour" } }),
        expect: rule([], "NOT_FOUND"),
      },
    ],
  },
  {
    field: "markConversationRead",
    doc: `mutation($input: MarkConversationReadInput!) { markConversationRead(input: $input) { id unreadCount } }`,
    scenarios: [
      { name: "the client's order", vars: () => ({ input: { conversationId: conversationOfOrder() } }), expect: rule(["client", ...STAFF], "NOT_FOUND") },
      {
        name: "A's bid, up to a message",
        vars: async () => ({ input: { conversationId: conversationOfBidA(), upTo: await sharedMessageOfA() } }),
        expect: onBidOfA("OK", "OK"),
      },
    ],
  },
  {
    field: "markNotificationsRead",
    doc: `mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) { marked unreadCount } }`,
    scenarios: [
      {
        name: "ownerA's notification: its recipient only; anyone else as if it did not exist",
        vars: async () => ({ input: { ids: [await notificationOfOwnerA()] } }),
        expect: rule(["ownerA"], "NOT_FOUND"),
      },
      { name: "all of one's own inbox", vars: () => ({ input: { all: true } }), expect: rule(PEOPLE, "FORBIDDEN") },
    ],
  },
  {
    field: "setNotificationPreferences",
    doc: `mutation($p: [NotificationPreferenceInput!]!) { setNotificationPreferences(preferences: $p) { kind delivery } }`,
    scenarios: [{ name: "one's own preferences", vars: () => ({ p: [{ kind: "OPPORTUNITY", delivery: "DAILY_DIGEST" }] }), expect: rule(PEOPLE, "FORBIDDEN") }],
  },
  {
    field: "saveSearch",
    doc: `mutation($input: SaveSearchInput!) { saveSearch(input: $input) { id } }`,
    scenarios: [
      { name: "a search", vars: () => ({ input: { name: "Affiches", keywords: ["affiche"], departmentCodes: ["76"] } }), expect: rule(SEARCHERS, "FORBIDDEN") },
    ],
  },
  ...(["updateSavedSearch", "deleteSavedSearch", "rotateSavedSearchFeed", "revokeSavedSearchFeed"] as const).map((field): Operation => ({
    field,
    doc:
      field === "updateSavedSearch"
        ? `mutation($id: ID!) { updateSavedSearch(id: $id, input: { name: "Renommée" }) { id } }`
        : field === "deleteSavedSearch"
          ? `mutation($id: ID!) { deleteSavedSearch(id: $id) }`
          : field === "rotateSavedSearchFeed"
            ? `mutation($id: ID!) { rotateSavedSearchFeed(id: $id) { path } }`
            : `mutation($id: ID!) { revokeSavedSearchFeed(id: $id) { id } }`,
    scenarios: [
      {
        name: "one's own search (memberA's when refused)",
        vars: async (role, fresh) => ({ id: await ownSearch(role, fresh) }),
        expect: rule(SEARCHERS, "FORBIDDEN"),
      },
      {
        name: "memberA's search",
        vars: async (role, fresh) => ({ id: role === "memberA" && fresh ? await searchOf(w.users.memberA.id) : await sharedSearchOfMemberA() }),
        expect: OF_MEMBER_A,
      },
      { name: "a missing search", vars: () => ({ id: toGlobalId("SavedSearch", randomUUID()) }), expect: rule([], "NOT_FOUND", { client: "FORBIDDEN" }) },
    ],
  })),
  {
    field: "createClientOrganisation",
    doc: `mutation($input: CreateClientOrganisationInput!) { createClientOrganisation(input: $input) { id } }`,
    scenarios: [
      {
        name: "an organisation (a client account without one creates and joins it)",
        vars: () => ({ input: { name: "Organisation", siret: validSiret() } }),
        token: async (role) => (role === "client" ? (await createUser(server, Platform.CLIENT)).token : w.tokens[role]),
        expect: rule(["client", ...STAFF], "FORBIDDEN"),
      },
    ],
  },
  {
    field: "attachClientToOrganisation",
    doc: `mutation($input: AttachClientInput!) { attachClientToOrganisation(input: $input) { id } }`,
    scenarios: [
      {
        name: "a client account to the world client's organisation",
        vars: async () => ({ input: { organisationId: await organisationOfClient(), userId: (await createUser(server, Platform.CLIENT)).globalId } }),
        expect: rule(STAFF, "FORBIDDEN"),
      },
    ],
  },
  {
    field: "updateDirectOrder",
    doc: `mutation($id: ID!, $input: UpdateDirectOrderInput!) { updateDirectOrder(id: $id, input: $input) { id } }`,
    scenarios: [
      { name: "the client's own order", vars: () => ({ id: w.order.gid, input: { description: "Commande précisée" } }), expect: rule(["client"], "FORBIDDEN") },
      {
        name: "another client's order",
        vars: () => ({ id: w.order2.gid, input: { description: "Pris" } }),
        expect: rule([], "FORBIDDEN", { client: "NOT_FOUND" }),
      },
    ],
  },
  ...(
    [
      ["acceptOffer", "AnswerOfferInput", {}],
      ["declineOffer", "DeclineOfferInput", { reason: "Trop cher" }],
      ["requestRevision", "RequestRevisionInput", { note: "Précisez le planning" }],
    ] as const
  ).map(([field, input, extra]): Operation => ({
    field,
    doc: `mutation($input: ${input}!) { ${field}(input: $input) { offer { bidId status } } }`,
    scenarios: [
      {
        name: "an offer on the client's own order",
        vars: async (_r, fresh) => ({ input: { bidId: fresh ? (await freshOffer()).bid : (await offersToRefuse()).mine.bid, ...extra } }),
        expect: rule(["client"], "FORBIDDEN"),
      },
      {
        name: "an offer on another client's order",
        vars: async () => ({ input: { bidId: (await offersToRefuse()).other.bid, ...extra } }),
        expect: rule([], "FORBIDDEN", { client: "NOT_FOUND" }),
      },
    ],
  })),
];

const SUBSCRIPTIONS: Subscription[] = [
  {
    field: "bidEvents",
    doc: `subscription($id: ID!, $after: Int) { bidEvents(bidId: $id, afterSeq: $after) { seq type } }`,
    scenarios: [
      { name: "A's bid, replayed from the start", vars: () => ({ id: w.bidA.gid, after: 0 }), expect: onBidOfA("OK", "OK") },
      { name: "B's bid", vars: () => ({ id: w.bidB.gid, after: 0 }), expect: rule(["ownerB", ...STAFF], "NOT_FOUND") },
    ],
  },
  {
    field: "bidPresence",
    doc: `subscription($id: ID!) { bidPresence(bidId: $id) { bidId online { userId } } }`,
    scenarios: [{ name: "A's bid", vars: () => ({ id: w.bidA.gid }), expect: onBidOfA("OK", "OK") }],
  },
  {
    field: "sectionUpdates",
    doc: `subscription($id: ID!) { sectionUpdates(sectionId: $id) { kind message seq stateVector } }`,
    scenarios: [{ name: "a section of A's bid", vars: () => ({ id: w.bidA.section }), expect: onBidOfA("OK", "OK") }],
  },
  {
    field: "invitations",
    doc: `subscription { invitations { id cooperative { id } } }`,
    scenarios: [
      {
        name: "A shortlisted on a new tender: A's people hear of it, B does not",
        vars: () => ({}),
        trigger: {
          channel: INVITATIONS_CHANNEL,
          run: async () => {
            await call(
              server,
              w.users.officer.token,
              `mutation($input: ShortlistInput!) { shortlistCooperative(input: $input) { id } }`,
              { input: { tenderId: (await openTender(server)).gid, cooperativeId: w.coopA.gid } },
              "shortlistCooperative.id",
            );
          },
        },
        expect: rule(A_PEOPLE, "FORBIDDEN", { ownerB: "SILENT" }),
      },
    ],
  },
  {
    field: "opportunities",
    opens: [ApiScope.READ],
    doc: `subscription($id: ID!) { opportunities(cooperative: $id) { score tender { id } } }`,
    scenarios: [
      {
        name: "A's opportunities (open and silent until a tender is published)",
        vars: () => ({ id: w.coopA.gid }),
        expect: rule([], "FORBIDDEN", { ownerA: "SILENT", memberA: "SILENT", officer: "SILENT", admin: "SILENT", readToken: "SILENT" }),
      },
      { name: "a missing cooperative", vars: () => ({ id: toGlobalId("Cooperative", randomUUID()) }), expect: rule([], "NOT_FOUND") },
    ],
  },
  {
    field: "conversationMessages",
    doc: `subscription($id: ID!) { conversationMessages(conversationId: $id) { id body } }`,
    scenarios: [
      {
        name: "the client's order (open and silent until a message)",
        vars: () => ({ id: conversationOfOrder() }),
        expect: rule([], "NOT_FOUND", { client: "SILENT", officer: "SILENT", admin: "SILENT" }),
      },
      {
        name: "A's bid",
        vars: () => ({ id: conversationOfBidA() }),
        expect: rule([], "NOT_FOUND", { ownerA: "SILENT", memberA: "SILENT", officer: "SILENT", admin: "SILENT" }),
      },
    ],
  },
  {
    field: "notifications",
    doc: `subscription { notifications { id kind } }`,
    scenarios: [
      {
        name: "a notification to ownerA: ownerA hears it, nobody else",
        vars: () => ({}),
        trigger: {
          channel: NOTIFICATIONS_CHANNEL,
          run: async () => {
            await server.orm.em.fork().transactional((em) => notifyPeople(em, [w.users.ownerA.id], { kind: NotificationKind.AWARD, text: "Résultat" }));
          },
        },
        expect: rule(["ownerA"], "SILENT"),
      },
    ],
  },
];

// ---- running the table ------------------------------------------------------------------------

function outcome(answer: Answer, field: string, role: Role, observe?: Scenario["observe"]): string {
  if (answer.errors?.length) return codeOf(answer.errors);
  const value = answer.data?.[field];
  if (value === null || value === undefined) return "NULL";
  return observe ? observe(value, role) : "OK";
}

interface Mismatch {
  scenario: string;
  role: Role;
  expected: string;
  got: string;
  detail?: string;
}

async function runOperation(op: Operation, transport: Transport, mutation: boolean): Promise<Mismatch[]> {
  const mismatches: Mismatch[] = [];
  for (const scenario of op.scenarios) {
    if (scenario.transports && !scenario.transports.includes(transport)) continue;
    for (const role of ROLES) {
      // No anonymous socket is accepted: over WebSocket, even a public field needs a person.
      const expected = transport === "ws" && role === "anonymous" ? "UNAUTHENTICATED" : expectationFor(op, scenario, role);
      // A success answers data, or null (the deprecated addCooperativeMember); anything else is a refusal.
      const succeeds = expected === "OK" || expected === "NULL";
      const vars = await scenario.vars(role, succeeds);
      const before = mutation && !succeeds ? await snapshot(server) : null;
      const token = scenario.token ? await scenario.token(role) : w.tokens[role];
      let own = null as WsClient | null;
      const socket = () => (scenario.token ? (own ??= server.ws(token)) : socketOf(role));
      const answer = await send(server, transport, socket, token, scenario.doc ?? op.doc, vars);
      await own?.dispose();
      const got = outcome(answer, op.field, role, scenario.observe);
      if (answer.status >= 500) mismatches.push({ scenario: scenario.name, role, expected: "HTTP < 500", got: String(answer.status) });
      if (got !== expected) mismatches.push({ scenario: scenario.name, role, expected, got, detail: answer.errors?.[0]?.message });
      if (before) {
        const changed = changedTables(before, await snapshot(server));
        if (changed.length) mismatches.push({ scenario: scenario.name, role, expected: "no table changed", got: changed.join(",") });
      }
    }
  }
  return mismatches;
}

const TRANSPORTS = ["http", "ws"] as const;
const both = <T extends { field: string }>(ops: T[]) => ops.flatMap((op) => TRANSPORTS.map((t) => [op.field, t, op] as const));

// Every query over both transports first, then the mutations (which add records as they succeed).
describe("queries", () => {
  test.each(both(QUERIES))("%s over %s", async (_field, transport, op) => {
    expect(await runOperation(op, transport, false)).toEqual([]);
  });
});

describe("mutations", () => {
  test.each(both(MUTATIONS))("%s over %s", async (_field, transport, op) => {
    expect(await runOperation(op, transport, true)).toEqual([]);
  });
});

describe("subscriptions over WebSocket", () => {
  test.each(SUBSCRIPTIONS.map((s) => [s.field, s] as const))("subscription %s", async (_field, op) => {
    const mismatches: Mismatch[] = [];
    for (const scenario of op.scenarios) {
      for (const role of ROLES) {
        const expected = expectationFor(op, scenario, role);
        const vars = await scenario.vars(role, expected === "OK");
        // The role's subscription is the one more handler on the trigger's channel.
        const channel = scenario.trigger?.channel;
        const before = channel ? server.app.bus.listeners(channel) : 0;
        const trigger = scenario.trigger && { listening: () => server.app.bus.listeners(channel!) > before, run: scenario.trigger.run };
        // A socket of its own: the subscription is disposed of with it. Silence is proved over a
        // window; an answer expected is waited for longer (a loaded machine may be slow to give it).
        const client = server.ws(w.tokens[role]);
        const result = await wsFirst(client, op.doc, vars, expected !== "SILENT" ? 10_000 : trigger ? 2500 : 700, trigger);
        await client.dispose();
        // Gone from the channel before the next role's subscription is counted on it.
        if (channel) await until(() => server.app.bus.listeners(channel) <= before, { label: `the ${role} subscription to leave "${channel}"` });
        let got: string;
        if (result.errors?.length) got = codeOf(result.errors);
        else if (result.extensions?.silent) got = "SILENT";
        else if (result.extensions?.completed) got = "COMPLETED";
        else got = outcome({ status: 0, data: result.data, errors: undefined }, op.field, role);
        if (got !== expected) mismatches.push({ scenario: scenario.name, role, expected, got, detail: result.errors?.[0]?.message });
      }
    }
    expect(mismatches).toEqual([]);
  });

  test("over HTTP, a subscription is refused to everyone, without a 5xx", async () => {
    for (const op of SUBSCRIPTIONS) {
      for (const role of ROLES) {
        const vars = await op.scenarios[0]!.vars(role, false);
        const answer = await send(server, "http", () => socketOf(role), w.tokens[role], op.doc, vars);
        expect([op.field, role, answer.status < 500, answer.data?.[op.field] ?? null, (answer.errors?.length ?? 0) > 0]).toEqual([
          op.field,
          role,
          true,
          null,
          true,
        ]);
      }
    }
  });
});

// ---- a competitor sees A's bid exactly as a missing one, on every path ----------------------------

function sameError(
  real: readonly GraphQLFormattedError[] | undefined,
  missing: readonly GraphQLFormattedError[] | undefined,
  realId: string,
  missingId: string,
) {
  const strip = (errors: readonly GraphQLFormattedError[] | undefined, id: string) =>
    (errors ?? []).map((e) => ({ message: e.message.replaceAll(id, "<id>"), code: e.extensions?.code, path: e.path }));
  expect(strip(real, realId)).toEqual(strip(missing, missingId));
}

describe.each(["http", "ws"] as const)("A's bid is a missing bid for competitor B (and outsiders) over %s", (transport) => {
  test.each(["ownerB", "client", "readToken", "importToken", "bothToken"] as const)("%s", async (role) => {
    const ask = (text: string, vars: Vars) => send(server, transport, () => socketOf(role), w.tokens[role], text, vars);
    const missing = toGlobalId("Bid", randomUUID());
    const bidQuery = `query($id: ID!) { bid(id: $id) { id title } }`;
    const real = await ask(bidQuery, { id: w.bidA.gid });
    const absent = await ask(bidQuery, { id: missing });
    if (isTokenRole(role)) {
      // No scope opens bids: the same refusal for A's bid and a missing one; `node` (READ) shows nothing.
      expect(codeOf(real.errors)).toBe("FORBIDDEN");
      sameError(real.errors, absent.errors, w.bidA.gid, missing);
      for (const id of [w.bidA.gid, w.bidA.section, w.bidA.leadMember, w.bidA.invitedMember, w.bidA.priceLine, w.bidA.assignment, w.bidA.event]) {
        const node = await ask(`query($id: ID!) { node(id: $id) { id } }`, { id });
        expect([id, codeOf(node.errors) || node.data]).toEqual([id, role === "importToken" ? "FORBIDDEN" : { node: null }]);
      }
      return;
    }
    expect(codeOf(real.errors)).toBe("NOT_FOUND");
    sameError(real.errors, absent.errors, w.bidA.gid, missing);
    expect(real.data ?? null).toEqual(absent.data ?? null);

    for (const id of [w.bidA.gid, w.bidA.section, w.bidA.leadMember, w.bidA.invitedMember, w.bidA.priceLine, w.bidA.assignment, w.bidA.event]) {
      const node = await ask(`query($id: ID!) { node(id: $id) { id } }`, { id });
      expect([id, node.errors, node.data]).toEqual([id, undefined, { node: null }]);
    }
    // Lists: absent, and counted nowhere.
    const all = await ask(`query { bids(first: 100) { totalCount edges { node { id } } } }`, {});
    expect(ids(all.data?.bids)).not.toContain(w.bidA.gid);
    for (const filter of [{ tenderId: w.tender.gid }, { cooperativeId: w.coopA.gid }, { tenderId: w.tender.gid, cooperativeId: w.coopA.gid }]) {
      const filtered = await ask(`query($f: BidFilter) { bids(first: 100, filter: $f) { totalCount edges { node { id } } } }`, { f: filter });
      expect(ids(filtered.data?.bids)).not.toContain(w.bidA.gid);
    }
    const byCoop = await ask(`query($id: ID!) { cooperative(id: $id) { bids(first: 100) { totalCount edges { node { id } } } } }`, { id: w.coopA.gid });
    expect(byCoop.data?.cooperative).toEqual({ bids: { totalCount: 0, edges: [] } });
    if (role !== "client") {
      const byTender = await ask(`query($id: ID!) { tender(id: $id) { bids(first: 100) { totalCount edges { node { id } } } } }`, { id: w.tender.gid });
      expect(ids((byTender.data?.tender as { bids: unknown }).bids)).not.toContain(w.bidA.gid);
      expect((byTender.data?.tender as { bids: { totalCount: number } }).bids.totalCount).toBe(role === "ownerB" ? 1 : 0);
    }
    // Live streams: the same refusal as for a missing bid.
    for (const sub of [
      `subscription($id: ID!) { bidEvents(bidId: $id, afterSeq: 0) { seq } }`,
      `subscription($id: ID!) { bidPresence(bidId: $id) { bidId } }`,
    ]) {
      const c1 = server.ws(w.tokens[role]);
      const realSub = await wsFirst(c1, sub, { id: w.bidA.gid }, 2000);
      const absentSub = await wsFirst(c1, sub, { id: missing }, 2000);
      await c1.dispose();
      expect(codeOf(realSub.errors)).toBe("NOT_FOUND");
      sameError(realSub.errors, absentSub.errors, w.bidA.gid, missing);
    }
  });
});

// ---- an account that has not verified its e-mail address --------------------------------------------

describe("an account whose e-mail address is not verified", () => {
  /** Root fields open to it: the public ones (viewer, signUp, verifyEmail...) and those marked @AllowUnverified. */
  async function openFields(): Promise<Set<string>> {
    const schema = await buildSchema();
    const open = new Set<string>();
    for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
      for (const [name, field] of Object.entries(root?.getFields() ?? {})) {
        if (field.extensions?.access === "public" || field.extensions?.unverifiedEmail === "allowed") open.add(name);
      }
    }
    return open;
  }

  const refusal = (errors: readonly GraphQLFormattedError[] | undefined) => {
    const reason = errors?.[0]?.extensions?.reason;
    return `${codeOf(errors)}/${typeof reason === "string" ? reason : ""}`;
  };

  test.each(TRANSPORTS)("is refused every other root field with FORBIDDEN (EMAIL_NOT_VERIFIED) over %s, writing nothing", async (transport) => {
    const open = await openFields();
    expect([...open].sort()).toEqual(["refreshSession", "resendVerification", "signIn", "signOut", "signUp", "verifyEmail", "viewer"]);
    const person = await createUnverifiedUser(server);
    const socket = server.ws(person.token);
    const mismatches: string[] = [];
    for (const [op, mutation] of [...QUERIES.map((q) => [q, false] as const), ...MUTATIONS.map((m) => [m, true] as const)]) {
      const scenario = op.scenarios[0]!;
      const vars = await scenario.vars("memberA", false);
      // Open to it (checked above), but it would end the session the rest of the loop uses.
      if (op.field === "signOut") continue;
      const before = mutation ? await snapshot(server) : null;
      const answer = await send(server, transport, () => socket, person.token, scenario.doc ?? op.doc, vars);
      const got = refusal(answer.errors);
      if (open.has(op.field)) {
        if (got.endsWith("EMAIL_NOT_VERIFIED")) mismatches.push(`${op.field}: refused, but it is open`);
        continue;
      }
      if (got !== "FORBIDDEN/EMAIL_NOT_VERIFIED") mismatches.push(`${op.field}: ${got}`);
      if (before) {
        const changed = changedTables(before, await snapshot(server));
        if (changed.length) mismatches.push(`${op.field}: changed ${changed.join(",")}`);
      }
    }
    if (transport === "ws") {
      for (const op of SUBSCRIPTIONS) {
        const client = server.ws(person.token);
        const result = await wsFirst(client, op.doc, await op.scenarios[0]!.vars("memberA", false), 2000);
        await client.dispose();
        const got = refusal(result.errors);
        if (got !== "FORBIDDEN/EMAIL_NOT_VERIFIED") mismatches.push(`${op.field}: ${got}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

// ---- the table covers the schema ------------------------------------------------------------------

test("the table covers every query, mutation and subscription of the schema, for every role", async () => {
  const schema = await buildSchema();
  const covered = {
    Query: new Set(QUERIES.map((q) => q.field)),
    Mutation: new Set(MUTATIONS.map((m) => m.field)),
    Subscription: new Set(SUBSCRIPTIONS.map((s) => s.field)),
  };
  const missing: string[] = [];
  const stale: string[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root) continue;
    const fields = Object.keys(root.getFields());
    const table = covered[root.name as keyof typeof covered];
    for (const field of fields) if (!table.has(field)) missing.push(`${root.name}.${field}`);
    for (const field of table) if (!fields.includes(field)) stale.push(`${root.name}.${field}`);
  }
  expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  const all = [...QUERIES, ...MUTATIONS, ...SUBSCRIPTIONS];
  const scenarios = all.flatMap((op) => op.scenarios);
  const perTransport = (ops: Operation[]) =>
    ops.flatMap((op) => op.scenarios).reduce((n, s) => n + (s.transports ? s.transports.length : TRANSPORTS.length) * ROLES.length, 0);
  console.log(
    `authorization table: ${QUERIES.length} queries, ${MUTATIONS.length} mutations, ${SUBSCRIPTIONS.length} subscriptions; ${scenarios.length} scenarios x ${ROLES.length} roles; ` +
      `${perTransport(QUERIES) + perTransport(MUTATIONS)} query/mutation cases over HTTP and WebSocket, ${SUBSCRIPTIONS.flatMap((op) => op.scenarios).length * ROLES.length} subscription cases`,
  );
  for (const op of all) {
    for (const scenario of op.scenarios)
      expect([op.field, scenario.name, Object.keys(scenario.expect).sort()]).toEqual([op.field, scenario.name, [...ROLES].sort()]);
  }
});
