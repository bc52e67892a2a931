import { PlatformRole } from "../../src/auth/roles";
import { toGlobalId } from "../../src/common/node";
import { TenderKind, TenderStatus } from "../../src/tenders/tender.enums";
import { assertAcceptsBids } from "../../src/tenders/tender.lifecycle";
import {
  AssignTenderOfficerDocument,
  CancelTenderDocument,
  CloseTenderDocument,
  CreateTenderDocument,
  PublishTenderDocument,
  SubmitDirectOrderDocument,
  TenderDocument,
  TenderNodeDocument,
  TendersDocument,
  UpdateTenderDocument,
  type CreateTenderInput,
  type UpdateTenderInput,
} from "../generated/graphql";
import { buildTender, countRows, createUser, insertCooperative, type TestUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
let admin: TestUser, officer: TestUser, officer2: TestUser, member: TestUser, client: TestUser, client2: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  [admin, officer, officer2, member, client, client2] = await Promise.all([
    createUser(server, PlatformRole.ADMIN),
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.CLIENT),
    createUser(server, PlatformRole.CLIENT),
  ]);
});
afterAll(async () => {
  await server.close();
});

const inDays = (days: number) => new Date(Date.now() + days * 86400_000).toISOString();

const newTender = (over: Partial<CreateTenderInput> = {}): CreateTenderInput => ({
  kind: "PUBLIC_TENDER",
  title: "Campagne de communication régionale",
  description: "Conception et impression.",
  buyerName: "Région Normandie",
  place: { communeCode: "76540" },
  submissionDeadline: inDays(20),
  awardCriteria: [
    { name: "Prix", weight: 40 },
    { name: "Valeur technique", weight: 60 },
  ],
  groupRules: { maxLotsPerTenderer: 2, groupLegalFormRequired: true, groupLegalForm: "groupement solidaire", bidAloneAndInGroupAllowed: false },
  lots: [
    { number: 1, title: "Impression", cpvCodes: ["79810000"], estimatedValue: 30000 },
    { number: 2, title: "Site web", cpvCodes: ["72413000-8"], estimatedValue: 20000 },
  ],
  ...over,
});

describe("creating and editing tenders", () => {
  test("an officer creates a draft with lots; the place fills department, region and coordinates; the value sums the lots", async () => {
    const result = await server.gql(CreateTenderDocument, { input: newTender() }, officer.token);
    expect(result.errors).toBeUndefined();
    const t = result.data!.createTender;
    expect(t).toMatchObject({
      kind: "PUBLIC_TENDER",
      status: "DRAFT",
      source: "MANUAL",
      city: "Rouen",
      communeCode: "76540",
      departmentCode: "76",
      regionCode: "28",
      estimatedValue: 50000,
      currency: "EUR",
      maxLotsPerTenderer: 2,
      groupLegalFormRequired: true,
      groupLegalForm: "groupement solidaire",
      bidAloneAndInGroupAllowed: false,
      acceptsBids: false,
      viewerCanEdit: true,
      cpvCodes: ["79810000", "72413000"],
    });
    expect(t.latitude).toBeCloseTo(49.44, 1);
    expect(t.awardCriteria).toEqual([
      { name: "Prix", weight: 40, type: null, description: null },
      { name: "Valeur technique", weight: 60, type: null, description: null },
    ]);
    expect(t.lots.map((l) => [l.number, l.title, l.cpvCodes, l.estimatedValue])).toEqual([
      [1, "Impression", ["79810000"], 30000],
      [2, "Site web", ["72413000"], 20000],
    ]);
    expect(t.lots[0]!.cpvLabels[0]).toMatch(/impression/i);
  });

  test("update replaces lots and fields of a draft", async () => {
    const t = (await server.gql(CreateTenderDocument, { input: newTender() }, officer.token)).data!.createTender;
    const result = await server.gql(
      UpdateTenderDocument,
      { id: t.id, input: { title: "Nouveau titre", lots: [{ number: 1, title: "Film", cpvCodes: ["92111000"] }] } },
      officer.token,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.updateTender).toMatchObject({ title: "Nouveau titre", cpvCodes: ["92111000"] });
    expect(result.data!.updateTender.lots.map((l) => l.title)).toEqual(["Film"]);
  });

  test.each([
    ["member", () => member],
    ["client", () => client],
  ])("a %s may not create a tender (FORBIDDEN)", async (_l, who) => {
    expect(codes(await server.gql(CreateTenderDocument, { input: newTender() }, who().token))).toEqual(["FORBIDDEN"]);
  });

  test.each<[string, Partial<CreateTenderInput>]>([
    ["input.title", { title: "" }],
    ["input.title", { title: "x".repeat(501) }],
    ["input.buyerName", { buyerName: " " }],
    ["input.estimatedValue", { estimatedValue: -1 }],
    ["input.currency", { currency: "euro" }],
    ["input.submissionDeadline", { submissionDeadline: inDays(-1) }],
    ["input.place.communeCode", { place: { communeCode: "99999" } }],
    ["input.place.nutsCode", { place: { nutsCode: "??" } }],
    ["input.place.postcode", { place: { postcode: "123" } }],
    ["input.place.longitude", { place: { latitude: 45 } }],
    ["input.place.latitude", { place: { latitude: 95, longitude: 2 } }],
    [
      "input.awardCriteria",
      {
        awardCriteria: [
          { name: "Prix", weight: 70 },
          { name: "Qualité", weight: 50 },
        ],
      },
    ],
    ["input.awardCriteria[0].name", { awardCriteria: [{ name: "", weight: 10 }] }],
    ["input.awardCriteria[0].weight", { awardCriteria: [{ name: "Prix", weight: 101 }] }],
    ["input.groupRules.maxLotsPerTenderer", { groupRules: { maxLotsPerTenderer: 0 } }],
    ["input.lots[0].cpvCodes[0]", { lots: [{ number: 1, title: "A", cpvCodes: ["12345"] }] }],
    ["input.lots[0].cpvCodes", { lots: [{ number: 1, title: "A", cpvCodes: [] }] }],
    [
      "input.lots[1].number",
      {
        lots: [
          { number: 1, title: "A", cpvCodes: ["79810000"] },
          { number: 1, title: "B", cpvCodes: ["79810000"] },
        ],
      },
    ],
    ["input.lots[0].title", { lots: [{ number: 1, title: "", cpvCodes: ["79810000"] }] }],
    ["input.lots[0].estimatedValue", { lots: [{ number: 1, title: "A", cpvCodes: ["79810000"], estimatedValue: -5 }] }],
    ["input.clientId", { clientId: "bm9wZQ" }],
  ])("bad input on %s is BAD_USER_INPUT naming it, and writes nothing", async (field, over) => {
    const before = [await countRows(server, "tenders"), await countRows(server, "lots")];
    const result = await server.gql(CreateTenderDocument, { input: newTender(over) }, officer.token);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect([await countRows(server, "tenders"), await countRows(server, "lots")]).toEqual(before);
  });

  test("bad input on updateTender names the field and changes nothing", async () => {
    const t = (await server.gql(CreateTenderDocument, { input: newTender() }, officer.token)).data!.createTender;
    const cases: [string, UpdateTenderInput][] = [
      ["input.title", { title: "" }],
      ["input.submissionDeadline", { submissionDeadline: inDays(-2) }],
      ["input.lots[0].cpvCodes[0]", { lots: [{ number: 1, title: "A", cpvCodes: ["nope"] }] }],
    ];
    for (const [field, input] of cases) {
      const result = await server.gql(UpdateTenderDocument, { id: t.id, input }, officer.token);
      expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0]?.extensions?.field).toBe(field);
    }
    const read = (await server.gql(TenderDocument, { id: t.id }, officer.token)).data!.tender;
    expect(read!.title).toBe(t.title);
    expect(read!.lots).toHaveLength(2);
    expect(codes(await server.gql(UpdateTenderDocument, { id: "nope", input: { title: "x" } }, officer.token))).toEqual(["BAD_USER_INPUT"]);
  });

  test("the VAT rate of a tender's price schedules: set at creation, changed, reset to 20 % by null, refused out of 0-0.5", async () => {
    const vatOf = async (id: string) =>
      (
        (
          await server.raw(JSON.stringify({ query: `query($id: ID!) { tender(id: $id) { vatRate } }`, variables: { id } }), {
            "content-type": "application/json",
            authorization: `Bearer ${officer.token}`,
          })
        ).body as {
          data: { tender: { vatRate: number } };
        }
      ).data.tender.vatRate;
    const t = (await server.gql(CreateTenderDocument, { input: { ...newTender(), vatRate: 0.055 } }, officer.token)).data!.createTender;
    expect(await vatOf(t.id)).toBe(0.055);
    expect((await server.gql(UpdateTenderDocument, { id: t.id, input: { vatRate: 0.1 } }, officer.token)).errors).toBeUndefined();
    expect(await vatOf(t.id)).toBe(0.1);
    for (const bad of [0.9, -0.1]) {
      const result = await server.gql(UpdateTenderDocument, { id: t.id, input: { vatRate: bad } }, officer.token);
      expect([codes(result), result.errors?.[0]?.extensions?.field]).toEqual([["BAD_USER_INPUT"], "input.vatRate"]);
    }
    expect(await vatOf(t.id)).toBe(0.1);
    expect((await server.gql(UpdateTenderDocument, { id: t.id, input: { vatRate: null } }, officer.token)).errors).toBeUndefined();
    expect(await vatOf(t.id)).toBe(0.2);
  });

  test("assigning an officer: must be staff", async () => {
    const t = (await server.gql(CreateTenderDocument, { input: newTender() }, officer.token)).data!.createTender;
    const ok = await server.gql(AssignTenderOfficerDocument, { id: t.id, officerId: officer2.globalId }, officer.token);
    expect(ok.data?.assignTenderOfficer.assignedOfficer?.id).toBe(officer2.globalId);
    const bad = await server.gql(AssignTenderOfficerDocument, { id: t.id, officerId: member.globalId }, officer.token);
    expect(codes(bad)).toEqual(["BAD_USER_INPUT"]);
    expect(bad.errors?.[0]?.extensions?.field).toBe("officerId");
  });
});

describe("lifecycle", () => {
  type Action = "publish" | "close" | "cancel" | "edit";
  const DOC = { publish: PublishTenderDocument, close: CloseTenderDocument, cancel: CancelTenderDocument } as const;
  const cases: [TenderStatus, Action, TenderStatus | null][] = [
    [TenderStatus.DRAFT, "publish", TenderStatus.OPEN],
    [TenderStatus.DRAFT, "close", null],
    [TenderStatus.DRAFT, "cancel", TenderStatus.CANCELLED],
    [TenderStatus.OPEN, "publish", null],
    [TenderStatus.OPEN, "close", TenderStatus.CLOSED],
    [TenderStatus.OPEN, "cancel", TenderStatus.CANCELLED],
    [TenderStatus.CLOSED, "publish", null],
    [TenderStatus.CLOSED, "close", null],
    [TenderStatus.CLOSED, "cancel", TenderStatus.CANCELLED],
    [TenderStatus.AWARDED, "publish", null],
    [TenderStatus.AWARDED, "close", null],
    [TenderStatus.AWARDED, "cancel", null],
    [TenderStatus.CANCELLED, "publish", null],
    [TenderStatus.CANCELLED, "close", null],
    [TenderStatus.CANCELLED, "cancel", null],
  ];
  test.each(cases)("%s --%s--> %s", async (from, action, to) => {
    const t = await buildTender(server.orm.em.fork(), { status: from, createdById: officer.id });
    const result = await server.gql(DOC[action as "publish"], { id: t.gid }, officer.token);
    if (to) {
      expect(result.errors).toBeUndefined();
      const read = await server.gql(TenderDocument, { id: t.gid }, officer.token);
      expect(read.data?.tender!.status).toBe(to);
    } else {
      expect(codes(result)).toEqual(["INVALID_STATE"]);
      const read = await server.gql(TenderDocument, { id: t.gid }, officer.token);
      expect(read.data?.tender!.status).toBe(from);
    }
  });

  test.each([TenderStatus.CLOSED, TenderStatus.AWARDED, TenderStatus.CANCELLED])("a %s tender cannot be edited (INVALID_STATE)", async (status) => {
    const t = await buildTender(server.orm.em.fork(), { status });
    expect(codes(await server.gql(UpdateTenderDocument, { id: t.gid, input: { title: "x" } }, officer.token))).toEqual(["INVALID_STATE"]);
  });

  test("publishing sets publishedAt; a draft whose deadline passed cannot be published", async () => {
    const ok = await buildTender(server.orm.em.fork(), { status: TenderStatus.DRAFT, createdById: officer.id });
    const published = await server.gql(PublishTenderDocument, { id: ok.gid }, officer.token);
    expect(published.data?.publishTender.publishedAt).toBeTruthy();
    const late = await buildTender(server.orm.em.fork(), { status: TenderStatus.DRAFT, createdById: officer.id, deadline: new Date(Date.now() - 1000) });
    const result = await server.gql(PublishTenderDocument, { id: late.gid }, officer.token);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe("submissionDeadline");
  });

  test("lifecycle mutations are staff only: a member gets FORBIDDEN, anonymous UNAUTHENTICATED", async () => {
    const t = await buildTender(server.orm.em.fork(), { status: TenderStatus.OPEN });
    expect(codes(await server.gql(CloseTenderDocument, { id: t.gid }, member.token))).toEqual(["FORBIDDEN"]);
    expect(codes(await server.gql(CloseTenderDocument, { id: t.gid }))).toEqual(["UNAUTHENTICATED"]);
  });

  test("assertAcceptsBids: open and before the deadline only", () => {
    const now = new Date("2030-01-10T12:00:00Z");
    expect(() => assertAcceptsBids({ status: TenderStatus.OPEN, submissionDeadline: new Date("2030-01-11T00:00:00Z") }, now)).not.toThrow();
    expect(() => assertAcceptsBids({ status: TenderStatus.OPEN, submissionDeadline: null }, now)).not.toThrow();
    for (const [status, deadline] of [
      [TenderStatus.OPEN, new Date("2030-01-10T12:00:00Z")],
      [TenderStatus.OPEN, new Date("2030-01-09T00:00:00Z")],
      [TenderStatus.CLOSED, null],
      [TenderStatus.DRAFT, null],
      [TenderStatus.AWARDED, null],
      [TenderStatus.CANCELLED, null],
    ] as const) {
      expect(() => assertAcceptsBids({ status, submissionDeadline: deadline }, now)).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
    }
  });

  test("an open tender past its deadline shows acceptsBids false", async () => {
    const t = await buildTender(server.orm.em.fork(), { status: TenderStatus.OPEN, deadline: new Date(Date.now() - 60_000) });
    expect((await server.gql(TenderDocument, { id: t.gid }, officer.token)).data?.tender!.acceptsBids).toBe(false);
  });
});

describe("visibility", () => {
  test("direct orders: a client submits one, sees only their own; another client, members and tokens see NOT_FOUND", async () => {
    const submitted = await server.gql(SubmitDirectOrderDocument, { input: newTender({ kind: "DIRECT_ORDER", buyerName: null }) }, client.token);
    expect(submitted.errors).toBeUndefined();
    const order = submitted.data!.submitDirectOrder;
    expect(order).toMatchObject({ kind: "DIRECT_ORDER", status: "OPEN", buyerName: "Test CLIENT", client: { id: client.globalId } });
    expect((await server.gql(TenderDocument, { id: order.id }, client.token)).data?.tender!.id).toBe(order.id);
    expect((await server.gql(TenderDocument, { id: order.id }, officer.token)).data?.tender!.id).toBe(order.id);
    for (const who of [client2, member]) {
      expect(codes(await server.gql(TenderDocument, { id: order.id }, who.token))).toEqual(["NOT_FOUND"]);
      expect((await server.gql(TenderNodeDocument, { id: order.id }, who.token)).data?.node).toBeNull();
    }
    const publicOne = await buildTender(server.orm.em.fork(), { status: TenderStatus.OPEN });
    expect(codes(await server.gql(TenderDocument, { id: publicOne.gid }, client.token))).toEqual(["NOT_FOUND"]);
    const list = await server.gql(TendersDocument, { first: 100 }, client.token);
    expect(list.data?.tenders.edges.map((e) => e.node.id)).toEqual([order.id]);
    // A client may only place direct orders.
    expect(codes(await server.gql(SubmitDirectOrderDocument, { input: newTender() }, client.token))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await server.gql(SubmitDirectOrderDocument, { input: newTender({ kind: "DIRECT_ORDER" }) }, officer.token))).toEqual(["FORBIDDEN"]);
    // The client cancels their own order; another client cannot (NOT_FOUND).
    expect(codes(await server.gql(CancelTenderDocument, { id: order.id }, client2.token))).toEqual(["NOT_FOUND"]);
    expect((await server.gql(CancelTenderDocument, { id: order.id }, client.token)).data?.cancelTender.status).toBe("CANCELLED");
  });

  test("drafts: only their author, assigned officer and admins see them; everyone else gets NOT_FOUND on every path", async () => {
    const draft = await buildTender(server.orm.em.fork(), { status: TenderStatus.DRAFT, createdById: officer.id, title: "Brouillon secret" });
    for (const who of [officer, admin]) {
      expect((await server.gql(TenderDocument, { id: draft.gid }, who.token)).data?.tender!.title).toBe("Brouillon secret");
    }
    for (const who of [officer2, member, client]) {
      expect(codes(await server.gql(TenderDocument, { id: draft.gid }, who.token))).toEqual(["NOT_FOUND"]);
      expect((await server.gql(TenderNodeDocument, { id: draft.gid }, who.token)).data?.node).toBeNull();
      const list = await server.gql(TendersDocument, { first: 100, filter: { search: "Brouillon secret" } }, who.token);
      expect(list.data?.tenders.edges).toEqual([]);
      expect(codes(await server.gql(PublishTenderDocument, { id: draft.gid }, who.token))).toEqual([who === officer2 ? "NOT_FOUND" : "FORBIDDEN"]);
    }
    // Once assigned, the second officer sees it.
    await server.gql(AssignTenderOfficerDocument, { id: draft.gid, officerId: officer2.globalId }, officer.token);
    expect((await server.gql(TenderDocument, { id: draft.gid }, officer2.token)).data?.tender!.title).toBe("Brouillon secret");
  });

  test("a missing tender is NOT_FOUND exactly like a hidden one", async () => {
    const missing = toGlobalId("Tender", "00000000-0000-4000-8000-000000000000");
    const result = await server.gql(TenderDocument, { id: missing }, member.token);
    expect(codes(result)).toEqual(["NOT_FOUND"]);
  });

  test("members see published tenders and calls; direct orders only when their cooperative is shortlisted", async () => {
    const em = server.orm.em.fork();
    const open = await buildTender(em, { status: TenderStatus.OPEN, kind: TenderKind.CALL_FOR_PROJECTS });
    const order = await buildTender(em, { status: TenderStatus.OPEN, kind: TenderKind.DIRECT_ORDER, clientId: client.id });
    expect((await server.gql(TenderDocument, { id: open.gid }, member.token)).data?.tender!.id).toBe(open.gid);
    expect(codes(await server.gql(TenderDocument, { id: order.gid }, member.token))).toEqual(["NOT_FOUND"]);
    const coop = await insertCooperative(em, { members: [member] });
    await em.getConnection().execute("INSERT INTO shortlist_entries (id, tender_id, cooperative_id) VALUES (gen_random_uuid(), ?, ?)", [order.id, coop.id]);
    expect((await server.gql(TenderDocument, { id: order.gid }, member.token)).data?.tender!.id).toBe(order.gid);
    const list = await server.gql(TendersDocument, { first: 100, filter: { kinds: ["DIRECT_ORDER"] } }, member.token);
    expect(list.data?.tenders.edges.map((e) => e.node.id)).toEqual([order.gid]);
  });
});

describe("filters and sort", () => {
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    const em = server.orm.em.fork();
    const base = Date.now();
    const day = 86400_000;
    const rows = [
      [
        "print76",
        {
          title: "Zeta impression affiches",
          cpv: ["79810000"],
          dept: "76",
          region: "28",
          value: 40000,
          deadline: new Date(base + 10 * day),
          publishedAt: new Date(base - 3 * day),
        },
      ],
      [
        "web75",
        {
          title: "Zeta site internet",
          cpv: ["72413000"],
          dept: "75",
          region: "11",
          value: 120000,
          deadline: new Date(base + 5 * day),
          publishedAt: new Date(base - 1 * day),
        },
      ],
      [
        "film69",
        {
          title: "Zeta film institutionnel",
          cpv: ["92111000"],
          dept: "69",
          region: "84",
          value: null,
          deadline: new Date(base + 20 * day),
          publishedAt: new Date(base - 2 * day),
          kind: TenderKind.CALL_FOR_PROJECTS,
        },
      ],
      [
        "pub14",
        {
          title: "Zeta campagne publicitaire",
          cpv: ["79341000"],
          dept: "14",
          region: "28",
          value: 15000,
          deadline: null,
          publishedAt: new Date(base - 4 * day),
        },
      ],
      [
        "closed76",
        {
          title: "Zeta impression ancienne",
          cpv: ["79823000"],
          dept: "76",
          region: "28",
          value: 9000,
          deadline: new Date(base + 1 * day),
          status: TenderStatus.CLOSED,
          publishedAt: new Date(base - 9 * day),
        },
      ],
    ] as const;
    for (const [key, seed] of rows) ids[key] = (await buildTender(em, { ...seed, description: "zetafilter" })).gid;
  });

  const names = (edges: { node: { id: string } }[]) => edges.map((e) => Object.keys(ids).find((k) => ids[k] === e.node.id));
  const run = async (variables: Parameters<TestServer["gql"]>[1] & object) => {
    const result = await server.gql(
      TendersDocument,
      { first: 100, ...variables, filter: { search: "zetafilter", ...((variables as { filter?: object }).filter ?? {}) } },
      member.token,
    );
    expect(result.errors).toBeUndefined();
    return result.data!.tenders;
  };

  test.each([
    [{ kinds: ["CALL_FOR_PROJECTS"] }, ["film69"]],
    [{ statuses: ["CLOSED"] }, ["closed76"]],
    [{ cpv: "798" }, ["print76", "closed76"]],
    [{ cpv: "79810000" }, ["print76"]],
    [{ cpv: "79" }, ["print76", "closed76", "pub14"]],
    [{ department: "76" }, ["print76", "closed76"]],
    [{ region: "28" }, ["closed76", "print76", "pub14"]],
    [{ minValue: 15000, maxValue: 50000 }, ["print76", "pub14"]],
    [
      { deadlineAfter: new Date(Date.now() + 4 * 86400_000).toISOString(), deadlineBefore: new Date(Date.now() + 15 * 86400_000).toISOString() },
      ["web75", "print76"],
    ],
    [{ search: "impression" }, ["closed76", "print76"]],
  ])("filter %j", async (filter, expected) => {
    const page = await run({ filter: filter });
    const got = names(page.edges);
    if ("search" in filter) {
      // search replaces the scoping word: restrict to our rows
      expect(got.filter(Boolean).sort()).toEqual([...expected].sort());
    } else {
      expect(got.sort()).toEqual([...expected].sort());
      expect(page.totalCount).toBe(expected.length);
    }
  });

  test("sort by deadline (no deadline last), value (largest first, none last), publication (newest first)", async () => {
    expect(names((await run({ orderBy: "DEADLINE" })).edges)).toEqual(["closed76", "web75", "print76", "film69", "pub14"]);
    expect(names((await run({ orderBy: "VALUE" })).edges)).toEqual(["web75", "print76", "pub14", "closed76", "film69"]);
    expect(names((await run({ orderBy: "PUBLICATION" })).edges)).toEqual(["web75", "film69", "print76", "pub14", "closed76"]);
  });

  test("pages with cursors cover the list once, in order", async () => {
    for (const orderBy of ["DEADLINE", "VALUE", "PUBLICATION"] as const) {
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 10; i++) {
        const page: Awaited<ReturnType<typeof run>> = await run({ orderBy, first: 2, after });
        seen.push(...page.edges.map((e) => e.node.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor ?? null;
      }
      expect(seen).toEqual((await run({ orderBy })).edges.map((e) => e.node.id));
    }
  });

  test.each([
    ["filter.cpv", { cpv: "7" }],
    ["filter.department", { department: "999" }],
    ["filter.region", { region: "99" }],
    ["filter.maxValue", { minValue: 10, maxValue: 5 }],
    ["filter.minValue", { minValue: -1 }],
    ["filter.deadlineBefore", { deadlineAfter: inDays(5), deadlineBefore: inDays(1) }],
    ["filter.kinds", { kinds: [] }],
  ])("bad filter %s is BAD_USER_INPUT naming it", async (field, filter) => {
    const result = await server.gql(TendersDocument, { first: 10, filter: filter as never }, member.token);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
  });

  test("page size is capped at 100", async () => {
    const result = await server.gql(TendersDocument, { first: 101 }, member.token);
    expect(result.errors?.[0]?.extensions?.field).toBe("first");
  });
});
