import { print } from "graphql";
import { PlatformRole } from "../../src/auth/roles";
import { TenderStatus } from "../../src/tenders/tender.enums";
import { TENDER_PUBLISHED } from "../../src/tenders/tender.events";
import {
  CompletionSuggestionsDocument,
  ConsortiumSuggestionsDocument,
  CooperativeFitDocument,
  OpportunitiesDocument,
  PublishTenderDocument,
  RequestCompletionDocument,
  TenderMatchesDocument,
  type OpportunitiesSubscription,
  type TenderMatchesQuery,
  type TenderMatchesQueryVariables,
} from "../generated/graphql";
import { buildTender, createUser, insertCooperative, type TestUser } from "../helpers/factories";
import { codes, listening, startTestServer, type TestServer } from "../helpers/server";
import { until } from "../helpers/wait";

let server: TestServer;
let officer: TestUser, memberA: TestUser, outsider: TestUser;
const coops: Record<string, { id: string; gid: string }> = {};
let tender: { id: string; gid: string; lots: { id: string; gid: string; number: number }[] };

const ROUEN = { lat: 49.4431, lon: 1.0993 };

/** A tender near Rouen (unless `place` says otherwise), each lot worth 80,000. */
async function insertTender(options: {
  title: string;
  lots: [string, string[]][];
  maxLots?: number | null;
  status?: TenderStatus;
  place?: { lat: number; lon: number } | null;
}) {
  const place = options.place === undefined ? ROUEN : options.place;
  const t = await buildTender(server.orm.em.fork(), {
    title: options.title,
    status: options.status ?? TenderStatus.OPEN,
    buyerName: "Métropole Rouen Normandie",
    city: "Rouen",
    lat: place?.lat ?? null,
    lon: place?.lon ?? null,
    value: 240_000,
    maxLotsPerTenderer: options.maxLots ?? null,
    deadline: new Date(Date.now() + 20 * 86400_000),
    lots: options.lots.map(([title, cpv]) => ({ title, cpv, estimatedValue: 80_000 })),
  });
  return { id: t.id, gid: t.gid, lots: t.lotRefs };
}

beforeAll(async () => {
  server = await startTestServer();
  [officer, memberA, outsider] = await Promise.all([
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.MEMBER),
  ]);
  const em = server.orm.em.fork();
  const add = async (key: string, seed: Parameters<typeof insertCooperative>[1]) => {
    const c = await insertCooperative(em, { name: key, ...seed });
    coops[key] = { id: c.id, gid: c.gid };
  };
  await add("Imprimerie de Rouen", {
    lat: 49.44,
    lon: 1.1,
    city: "Rouen",
    skills: [
      ["79810000", 5],
      ["79820000", 4],
    ],
    owner: memberA,
    headcount: 14,
    annualRevenue: 1_200_000,
  });
  await add("Imprimerie de Marseille", { lat: 43.3, lon: 5.37, city: "Marseille", skills: [["79810000", 5]], headcount: 20, annualRevenue: 1_500_000 });
  await add("Studio Web du Havre", { lat: 49.49, lon: 0.11, city: "Le Havre", skills: [["72413000", 5]], headcount: 8, annualRevenue: 600_000 });
  await add("Les Films de Caen", { lat: 49.18, lon: -0.37, city: "Caen", skills: [["92111200", 4]], headcount: 6, annualRevenue: 450_000 });
  await add("Agence Généraliste de Paris", {
    lat: 48.85,
    lon: 2.35,
    city: "Paris",
    skills: [
      ["79810000", 3],
      ["72413000", 3],
      ["92111200", 3],
    ],
    headcount: 40,
    annualRevenue: 3_000_000,
  });
  await add("Traductions de Lyon", { lat: 45.76, lon: 4.84, city: "Lyon", skills: [["79530000", 5]] });
  tender = await insertTender({
    title: "Campagne de communication métropolitaine",
    lots: [
      ["Impression", ["79810000"]],
      ["Site web", ["72413000"]],
      ["Vidéo", ["92111200"]],
    ],
  });
});
afterAll(async () => {
  await server.close();
});

type Matches = NonNullable<TenderMatchesQuery["tender"]>["matches"];
const matches = (variables: Omit<TenderMatchesQueryVariables, "id">, token = officer.token) =>
  server.gql(TenderMatchesDocument, { id: tender.gid, ...variables }, token);
const names = (m: Matches | undefined) => (m?.edges ?? []).map((e) => e.node.cooperative.name);

describe("Tender.matches", () => {
  test("for the printing lot, the local printer ranks first, with explained components", async () => {
    const result = await matches({ lot: tender.lots[0]!.gid, first: 10 });
    expect(result.errors).toBeUndefined();
    const list = result.data!.tender!.matches;
    expect(names(list)[0]).toBe("Imprimerie de Rouen");
    expect(names(list)).toContain("Imprimerie de Marseille");
    expect(names(list)).not.toContain("Traductions de Lyon");
    const best = list.edges[0]!.node;
    expect(best.rank).toBe(1);
    expect(best.components.map((c) => c.name).sort()).toEqual(["CAPACITY", "PROXIMITY", "SKILLS", "TRACK_RECORD"]);
    const sum = best.components.reduce((s, c) => s + c.contribution, 0);
    expect(best.score).toBeCloseTo(sum, 3);
    expect(best.components.find((c) => c.name === "SKILLS")?.evidence).toMatch(/1 of 1 CPV code/);
    expect(best.components.find((c) => c.name === "PROXIMITY")?.evidence).toMatch(/km from Rouen/);
    expect(best.distanceKm).toBeLessThan(5);
  });

  test("a distance limit drops the far-away cooperative (local preselection)", async () => {
    const result = await matches({ lot: tender.lots[0]!.gid, maxDistanceKm: 150 });
    expect(names(result.data?.tender!.matches)).toContain("Imprimerie de Rouen");
    expect(names(result.data?.tender!.matches)).not.toContain("Imprimerie de Marseille");
  });

  test("same inputs, same order; cursors page through the ranking", async () => {
    const all = names((await matches({ first: 10 })).data?.tender!.matches);
    expect(names((await matches({ first: 10 })).data?.tender!.matches)).toEqual(all);
    const page1 = (await matches({ first: 2 })).data!.tender!.matches;
    const page2 = (await matches({ first: 2, after: page1.pageInfo.endCursor })).data!.tender!.matches;
    expect([...names(page1), ...names(page2)]).toEqual(all.slice(0, 4));
    expect(page2.edges[0]!.node.rank).toBe(3);
  });

  test("weights change the ranking: proximity alone puts Rouen's neighbours first", async () => {
    const result = await matches({ first: 3, weights: { skills: 0.01, proximity: 1, capacity: 0, trackRecord: 0 } });
    expect(names(result.data?.tender!.matches).slice(0, 2)).toEqual(["Imprimerie de Rouen", "Studio Web du Havre"]);
  });

  test.each([
    ["weights.skills", { weights: { skills: -1 } }],
    ["weights.proximity", { weights: { proximity: 2 } }],
    ["weights", { weights: { skills: 0, proximity: 0, capacity: 0, trackRecord: 0 } }],
    ["minScore", { minScore: 1.5 }],
    ["decayKm", { decayKm: 0 }],
    ["first", { first: 500 }],
    ["lot", { lot: "bogus" }],
  ])("bad %s is BAD_USER_INPUT naming it", async (field, variables) => {
    const result = await matches(variables);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
  });

  test("a member may not rank the directory", async () => {
    expect(codes(await matches({}, memberA.token))).toEqual(["FORBIDDEN"]);
  });

  test("a page of matches costs the same number of SQL queries for 2 or 6 results", async () => {
    const count = async (first: number) => {
      server.queries.length = 0;
      const result = await matches({ first });
      expect(result.data?.tender!.matches.edges.length).toBe(first);
      return server.queries.length;
    };
    const small = await count(2);
    expect(await count(5)).toBe(small);
  });
});

describe("Tender.consortiumSuggestions", () => {
  test("the best team covers every lot, and with SMALL_TEAM the one-member team comes first when it exists", async () => {
    const result = await server.gql(CompletionSuggestionsDocument, { id: tender.gid, first: 5, preference: "SMALL_TEAM" }, officer.token);
    expect(result.errors).toBeUndefined();
    const { suggestions, exact, uncoveredLots } = result.data!.tender!.consortiumSuggestions;
    expect(exact).toBe(true);
    expect(uncoveredLots).toEqual([]);
    expect(suggestions[0]!.memberCount).toBe(1);
    expect(suggestions[0]!.members[0]!.cooperative.name).toBe("Agence Généraliste de Paris");
    for (const s of suggestions) {
      const lots = s.members.flatMap((m) => m.lots.map((l) => l.number)).sort();
      expect(lots).toEqual([1, 2, 3]);
      expect(s.members.filter((m) => m.role === "LEAD")).toHaveLength(1);
      expect(s.explanation.length).toBeGreaterThan(0);
    }
  });

  test("by default (BALANCED) the Rouen team comes before the generalist agency in Paris doing every lot alone", async () => {
    const result = await server.gql(ConsortiumSuggestionsDocument, { id: tender.gid, first: 5 }, officer.token);
    expect(result.errors).toBeUndefined();
    const [best] = result.data!.tender!.consortiumSuggestions.suggestions;
    expect(best?.members.map((m) => m.cooperative.name)).toContain("Imprimerie de Rouen");
    expect(best?.members.map((m) => m.cooperative.name)).not.toContain("Agence Généraliste de Paris");
  });

  test("a maximum of one lot per tenderer forces a team of three", async () => {
    const capped = await insertTender({
      title: "Un lot chacun",
      maxLots: 1,
      lots: [
        ["Impression", ["79810000"]],
        ["Site web", ["72413000"]],
        ["Vidéo", ["92111200"]],
      ],
    });
    const result = await server.gql(ConsortiumSuggestionsDocument, { id: capped.gid, first: 3 }, officer.token);
    const { suggestions } = result.data!.tender!.consortiumSuggestions;
    expect(suggestions.length).toBeGreaterThan(0);
    for (const s of suggestions) {
      expect(s.memberCount).toBe(3);
      for (const m of s.members) expect(m.lots.length).toBeLessThanOrEqual(1);
    }
  });

  test("a tender of six lots, searched in two statements at once, gets each lot's own specialist", async () => {
    const em = server.orm.em.fork();
    const specialists: [string, string][] = [
      ["Photographes de Rouen", "79961000"],
      ["Logiciels de Rouen", "72212000"],
      ["Presse de Rouen", "79416000"],
    ];
    for (const [name, cpv] of specialists) await insertCooperative(em, { name, lat: 49.44, lon: 1.1, city: "Rouen", skills: [[cpv, 5]] });
    const six = await insertTender({
      title: "Six lots, un par titulaire",
      maxLots: 1,
      lots: [
        ["Impression", ["79810000"]],
        ["Site web", ["72413000"]],
        ["Vidéo", ["92111200"]],
        ["Photographie", ["79961000"]],
        ["Application", ["72212000"]],
        ["Relations presse", ["79416000"]],
      ],
    });
    const result = await server.gql(ConsortiumSuggestionsDocument, { id: six.gid, first: 3 }, officer.token);
    expect(result.errors).toBeUndefined();
    const { suggestions, uncoveredLots, exact } = result.data!.tender!.consortiumSuggestions;
    expect(exact).toBe(true);
    expect(uncoveredLots).toEqual([]);
    const best = suggestions[0]!;
    expect(best.memberCount).toBe(6);
    const byLot = new Map(best.members.flatMap((m) => m.lots.map((l) => [l.number, m.cooperative.name] as const)));
    expect([...byLot.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect([byLot.get(4), byLot.get(5), byLot.get(6)]).toEqual(specialists.map(([name]) => name));
  });

  test("built around a lead: the cooperative that asks leads every team, its members may ask", async () => {
    const result = await server.gql(ConsortiumSuggestionsDocument, { id: tender.gid, first: 3, lead: coops["Imprimerie de Rouen"]!.gid }, memberA.token);
    expect(result.errors).toBeUndefined();
    for (const s of result.data!.tender!.consortiumSuggestions.suggestions) {
      const lead = s.members.find((m) => m.role === "LEAD");
      expect(lead?.cooperative.name).toBe("Imprimerie de Rouen");
      expect(lead?.lots.map((l) => l.number)).toContain(1);
    }
    const other = await server.gql(ConsortiumSuggestionsDocument, { id: tender.gid, lead: coops["Imprimerie de Rouen"]!.gid }, outsider.token);
    expect(codes(other)).toEqual(["FORBIDDEN"]);
  });
});

describe("a cooperative's fit and opportunities", () => {
  test("matchScore and opportunities for the cooperative's members", async () => {
    const result = await server.gql(CooperativeFitDocument, { id: coops["Imprimerie de Rouen"]!.gid, tender: tender.gid, first: 5 }, memberA.token);
    expect(result.errors).toBeUndefined();
    const fit = result.data!.cooperative;
    expect(fit!.matchScore.score).toBeGreaterThan(0);
    expect(fit!.matchScore.components).toHaveLength(4);
    expect(fit!.opportunities.edges.map((e) => e.node.tender.id)).toContain(tender.gid);
    const forbidden = await server.gql(CooperativeFitDocument, { id: coops["Imprimerie de Rouen"]!.gid, tender: tender.gid }, outsider.token);
    expect(codes(forbidden)).toContain("FORBIDDEN");
  });

  test("the opportunities subscription fires for a matching published tender, not for another", async () => {
    const client = server.ws(memberA.token);
    const listenersBefore = server.app.bus.listeners(TENDER_PUBLISHED);
    const received: OpportunitiesSubscription[] = [];
    const dispose = client.subscribe<OpportunitiesSubscription>(
      { query: print(OpportunitiesDocument), variables: { cooperative: coops["Imprimerie de Rouen"]!.gid } },
      { next: (value) => value.data && received.push(value.data), error: () => undefined, complete: () => undefined },
    );
    await listening(server, TENDER_PUBLISHED, listenersBefore + 1);
    const unrelated = await insertTender({ title: "Traduction de rapports", status: TenderStatus.DRAFT, lots: [["Traduction", ["79530000"]]] });
    const related = await insertTender({ title: "Impression du magazine", status: TenderStatus.DRAFT, lots: [["Impression", ["79810000"]]] });
    // Published last, a second matching tender closes the window in which anything else could arrive.
    const closing = await insertTender({ title: "Impression des affiches", status: TenderStatus.DRAFT, lots: [["Affiches", ["79810000"]]] });
    for (const published of [unrelated, related, closing]) {
      expect((await server.gql(PublishTenderDocument, { id: published.gid }, officer.token)).errors).toBeUndefined();
    }
    await until(() => received.some((r) => r.opportunities.tender.title === "Impression des affiches"), {
      label: "the closing tender on the opportunities subscription",
    });
    dispose();
    expect(received.map((r) => r.opportunities.tender.title)).toEqual(["Impression du magazine", "Impression des affiches"]);
    expect(received[0]!.opportunities.score).toBeGreaterThanOrEqual(0.5);
  });
});

describe("requestCompletion", () => {
  test("the best team around the lead becomes a draft bid: partners invited, every lot assigned; a retry changes nothing", async () => {
    const input = { tenderId: tender.gid, leadCooperativeId: coops["Imprimerie de Rouen"]!.gid, clientMutationId: "complete-1" };
    const result = await server.gql(RequestCompletionDocument, { input }, memberA.token);
    expect(result.errors).toBeUndefined();
    const bid = result.data!.requestCompletion;
    expect(bid.status).toBe("DRAFT");
    expect(bid.lead.name).toBe("Imprimerie de Rouen");
    expect(bid.members.find((m) => m.role === "LEAD")?.cooperative.name).toBe("Imprimerie de Rouen");
    expect(bid.members.filter((m) => m.role !== "LEAD").every((m) => m.status === "INVITED")).toBe(true);
    expect(bid.lotAssignments.map((a) => a.lot.number).sort()).toEqual([1, 2, 3]);
    expect(bid.lotAssignments.every((a) => a.member !== null)).toBe(true);
    expect(bid.lotAssignments.find((a) => a.lot.number === 1)?.member?.cooperative.name).toBe("Imprimerie de Rouen");

    const retry = await server.gql(RequestCompletionDocument, { input }, memberA.token);
    expect(retry.data?.requestCompletion.id).toBe(bid.id);
    const [row] = await server.orm.em.getConnection().execute<{ n: string }[]>("SELECT count(*) AS n FROM bids");
    expect(Number(row?.n)).toBe(1);
  });

  test("one lead per tender: a cooperative already leading a bid is no longer suggested as lead", async () => {
    const result = await server.gql(ConsortiumSuggestionsDocument, { id: tender.gid, first: 20 }, officer.token);
    const leads = result.data!.tender!.consortiumSuggestions.suggestions.flatMap((s) =>
      s.members.filter((m) => m.role === "LEAD").map((m) => m.cooperative.name),
    );
    expect(leads.length).toBeGreaterThan(0);
    expect(leads).not.toContain("Imprimerie de Rouen");
  });

  test("someone outside the lead cooperative may not ask, and nothing is written", async () => {
    const input = { tenderId: tender.gid, leadCooperativeId: coops["Studio Web du Havre"]!.gid };
    const result = await server.gql(RequestCompletionDocument, { input }, outsider.token);
    expect(codes(result)).toEqual(["FORBIDDEN"]);
    const [row] = await server.orm.em.getConnection().execute<{ n: string }[]>("SELECT count(*) AS n FROM bids");
    expect(Number(row?.n)).toBe(1);
  });

  test("a tender no team can cover is INVALID_STATE", async () => {
    const impossible = await insertTender({
      title: "Travaux de voirie",
      lots: [
        ["Panneaux", ["79530000"]],
        ["Impression", ["79810000"]],
      ],
      maxLots: 1,
    });
    const lonely = await insertCooperative(server.orm.em.fork(), { name: "Seule", owner: outsider, skills: [["79810000", 5]], lat: 49.4, lon: 1.1 });
    await server.orm.em.getConnection().execute("DELETE FROM cooperative_skills WHERE cpv = '79530000'");
    const result = await server.gql(RequestCompletionDocument, { input: { tenderId: impossible.gid, leadCooperativeId: lonely.gid } }, outsider.token);
    expect(codes(result)).toEqual(["INVALID_STATE"]);
  });
});
