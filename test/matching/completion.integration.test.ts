import { PlatformRole } from "../../src/auth/roles";
import { toGlobalId } from "../../src/common/node";
import {
  AcceptProposedBidDocument,
  BidDocument,
  BidEventsPageDocument,
  CompletionSuggestionsDocument,
  DeclineProposedBidDocument,
  ProposeCompletionDocument,
  RequestCompletionDocument,
  TenderMatchesDocument,
  type CompletionSuggestionsQueryVariables,
} from "../generated/graphql";
import { buildTender, countRows, createUser, insertCooperative, type TestUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";

/**
 * The seed's example: a film, print and web order near Toulouse. The lead (a film cooperative
 * about 12 km from the client) can be completed by two local partners (a printer and a web
 * studio, 6 and 16 km away) or by one printer in Paris, 590 km away, able to do print and web.
 */
let server: TestServer;
let officer: TestUser, admin: TestUser, leadOwner: TestUser, printerOwner: TestUser, farOwner: TestUser, outsider: TestUser;
const coops: Record<string, { id: string; gid: string }> = {};
const TOULOUSE = { lat: 43.6045, lon: 1.444 };
/** A point `km` kilometres east of Toulouse (close enough at these distances). */
const east = (km: number) => ({ lat: TOULOUSE.lat, lon: TOULOUSE.lon + km / 80.6 });

/** A tender in Toulouse, each lot worth 30,000. */
async function insertTender(
  title: string,
  lots: [string, string[]][] = [
    ["Film", ["92111200"]],
    ["Impression", ["79810000"]],
    ["Site web", ["72413000"]],
  ],
) {
  const t = await buildTender(server.orm.em.fork(), {
    title,
    buyerName: "Publications Office of the European Union",
    city: "Toulouse",
    nutsCode: "FRJ23",
    lat: TOULOUSE.lat,
    lon: TOULOUSE.lon,
    value: 90_000,
    deadline: new Date(Date.now() + 20 * 86400_000),
    lots: lots.map(([lotTitle, cpv]) => ({ title: lotTitle, cpv, estimatedValue: 30_000 })),
  });
  return { id: t.id, gid: t.gid, lots: t.lotRefs };
}

beforeAll(async () => {
  server = await startTestServer();
  [officer, admin, leadOwner, printerOwner, farOwner, outsider] = await Promise.all([
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server, PlatformRole.ADMIN),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.MEMBER),
  ]);
  const em = server.orm.em.fork();
  const add = async (name: string, seed: Parameters<typeof insertCooperative>[1]) => {
    const c = await insertCooperative(em, { name, ...seed });
    coops[name] = { id: c.id, gid: c.gid };
  };
  const same = { headcount: 8, annualRevenue: 600_000 };
  await add("Films de Tournefeuille", { ...east(-12), city: "Tournefeuille", skills: [["92111200", 5]], owner: leadOwner, ...same });
  await add("Imprimerie de Balma", { ...east(6), city: "Balma", skills: [["79810000", 4]], owner: printerOwner, ...same });
  await add("Studio Web de Colomiers", { ...east(-16), city: "Colomiers", skills: [["72413000", 4]], ...same });
  await add("Imprimerie de Paris", {
    lat: 48.8566,
    lon: 2.3522,
    city: "Paris",
    skills: [
      ["79810000", 5],
      ["72413000", 4],
    ],
    owner: farOwner,
    ...same,
  });
  // Design studios next door, none holding the printing code; a printer 64 km away holding it.
  await add("Studio Graphique de Blagnac", { ...east(2), city: "Blagnac", skills: [["79822500", 5]], ...same });
  await add("Atelier Graphique de Muret", { ...east(4), city: "Muret", skills: [["79822000", 5]], ...same });
  await add("Imprimerie de Montauban", { ...east(64), city: "Montauban", skills: [["79810000", 1]], ...same });
});
afterAll(async () => {
  await server.close();
});

const suggestions = async (tenderGid: string, variables: Omit<CompletionSuggestionsQueryVariables, "id"> = {}, token = leadOwner.token) => {
  const result = await server.gql(CompletionSuggestionsDocument, { id: tenderGid, first: 5, lead: coops["Films de Tournefeuille"]!.gid, ...variables }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.tender!.consortiumSuggestions.suggestions;
};
const team = (s: { members: { cooperative: { name: string } }[] } | undefined) => (s?.members ?? []).map((m) => m.cooperative.name).sort();
const LOCAL_TEAM = ["Films de Tournefeuille", "Imprimerie de Balma", "Studio Web de Colomiers"];
const FAR_TEAM = ["Films de Tournefeuille", "Imprimerie de Paris"];

describe("completion near the client", () => {
  test("by default the local team comes before the far printer, and the explanation names the place and each member's distance", async () => {
    const tender = await insertTender("Film, impression et site web");
    const list = await suggestions(tender.gid);
    expect(team(list[0])).toEqual(LOCAL_TEAM);
    expect(list.findIndex((s) => team(s).join() === FAR_TEAM.join())).toBeGreaterThan(0);
    const explanation = list[0]!.explanation;
    expect(explanation).toContain("Films de Tournefeuille (lead): 12 km from Toulouse (FRJ23)");
    expect(explanation).toContain("Imprimerie de Balma: 6 km from Toulouse (FRJ23)");
    expect(explanation).toContain("Studio Web de Colomiers: 16 km from Toulouse (FRJ23)");
    expect(explanation.join("\n")).not.toMatch(/Publications Office/);
    // The preference is the caller's: fewest members first brings the far printer back.
    expect(team((await suggestions(tender.gid, { preference: "SMALL_TEAM" }))[0])).toEqual(FAR_TEAM);
    expect(team((await suggestions(tender.gid, { preference: "LOCAL" }))[0])).toEqual(LOCAL_TEAM);
  });

  test("requestCompletion builds the local team by default", async () => {
    const tender = await insertTender("Campagne locale");
    const result = await server.gql(
      RequestCompletionDocument,
      { input: { tenderId: tender.gid, leadCooperativeId: coops["Films de Tournefeuille"]!.gid } },
      leadOwner.token,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.requestCompletion.members.map((m) => m.cooperative.name).sort()).toEqual(LOCAL_TEAM);
  });

  test("maxDistanceKm is honoured: fewest members within 100 km is the local team", async () => {
    const tender = await insertTender("Campagne dans un rayon de 100 km");
    const list = await suggestions(tender.gid, { preference: "SMALL_TEAM", maxDistanceKm: 100 });
    expect(list.length).toBeGreaterThan(0);
    for (const s of list) expect(team(s)).not.toContain("Imprimerie de Paris");
    const result = await server.gql(
      RequestCompletionDocument,
      { input: { tenderId: tender.gid, leadCooperativeId: coops["Films de Tournefeuille"]!.gid, preference: "SMALL_TEAM", maxDistanceKm: 100 } },
      leadOwner.token,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.requestCompletion.members.map((m) => m.cooperative.name).sort()).toEqual(LOCAL_TEAM);
  });

  test("the caller picks a suggestion by its rank, or the members lot by lot", async () => {
    const tender = await insertTender("Campagne au choix");
    const list = await suggestions(tender.gid);
    const second = list[1]!;
    const byRank = await server.gql(
      RequestCompletionDocument,
      { input: { tenderId: tender.gid, leadCooperativeId: coops["Films de Tournefeuille"]!.gid, rank: 2 } },
      leadOwner.token,
    );
    expect(byRank.errors).toBeUndefined();
    const assigned = (bid: { lotAssignments: { lot: { number: number }; member: { cooperative: { name: string } } | null }[] }) =>
      Object.fromEntries(bid.lotAssignments.map((a) => [a.lot.number, a.member?.cooperative.name]));
    expect(assigned(byRank.data!.requestCompletion)).toEqual(
      Object.fromEntries(second.members.flatMap((m) => m.lots.map((l) => [l.number, m.cooperative.name]))),
    );

    const other = await insertTender("Campagne composée à la main");
    const lotMembers = [
      { lotId: other.lots[0]!.gid, cooperativeId: coops["Films de Tournefeuille"]!.gid },
      { lotId: other.lots[1]!.gid, cooperativeId: coops["Imprimerie de Balma"]!.gid },
      { lotId: other.lots[2]!.gid, cooperativeId: coops["Imprimerie de Paris"]!.gid },
    ];
    const explicit = await server.gql(
      RequestCompletionDocument,
      { input: { tenderId: other.gid, leadCooperativeId: coops["Films de Tournefeuille"]!.gid, lotMembers } },
      leadOwner.token,
    );
    expect(explicit.errors).toBeUndefined();
    expect(assigned(explicit.data!.requestCompletion)).toEqual({ 1: "Films de Tournefeuille", 2: "Imprimerie de Balma", 3: "Imprimerie de Paris" });
  });

  test.each([
    ["input.rank", { rank: 0 }],
    ["input.rank", { rank: 99 }],
    ["input.maxDistanceKm", { maxDistanceKm: -5 }],
    ["input.lotMembers", { rank: 1, lotMembers: [] }],
    ["input.lotMembers[0].lotId", { lotMembers: [{ lotId: toGlobalId("Lot", "00000000-0000-4000-8000-000000000000"), cooperativeId: "x" }] }],
  ])("bad %s is BAD_USER_INPUT naming it, and nothing is written", async (field, extra) => {
    const tender = await insertTender("Entrée invalide");
    const before = await countRows(server, "bids");
    const result = await server.gql(
      RequestCompletionDocument,
      { input: { tenderId: tender.gid, leadCooperativeId: coops["Films de Tournefeuille"]!.gid, ...extra } },
      leadOwner.token,
    );
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(await countRows(server, "bids")).toBe(before);
  });
});

describe("skill before distance", () => {
  test("a cooperative covering none of the lot's codes never ranks above one covering it, and says why it is listed", async () => {
    const tender = await insertTender("Impression seule", [["Impression", ["79810000"]]]);
    const result = await server.gql(TenderMatchesDocument, { id: tender.gid, first: 20 }, officer.token);
    expect(result.errors).toBeUndefined();
    const rows = result.data!.tender!.matches.edges.map((e) => e.node);
    const covering = rows.map((r) => r.coveredCpv.length > 0);
    expect(covering.indexOf(false)).toBeGreaterThan(covering.lastIndexOf(true));
    const names = rows.map((r) => r.cooperative.name);
    expect(names.indexOf("Imprimerie de Montauban")).toBeLessThan(names.indexOf("Studio Graphique de Blagnac"));
    const studio = rows.find((r) => r.cooperative.name === "Studio Graphique de Blagnac");
    expect(studio?.components.find((c) => c.name === "SKILLS")?.evidence).toBe(
      "0 of 1 CPV code; 79810000 not covered: its skill 79822500 only shares the group 798",
    );
  });
});

describe("an officer completes an offer on behalf of a cooperative", () => {
  const propose = (tenderGid: string, token = officer.token, clientMutationId?: string) =>
    server.gql(ProposeCompletionDocument, { input: { tenderId: tenderGid, leadCooperativeId: coops["Films de Tournefeuille"]!.gid, clientMutationId } }, token);

  test("the bid is PROPOSED, the log says who proposed it, the partners wait; the lead accepts and it is a normal draft", async () => {
    const tender = await insertTender("Proposée par le chargé de mission");
    const result = await propose(tender.gid, officer.token, "propose-1");
    expect(result.errors).toBeUndefined();
    const bid = result.data!.proposeCompletion;
    expect(bid.status).toBe("PROPOSED");
    expect(bid.lead.name).toBe("Films de Tournefeuille");
    expect(bid.members.map((m) => m.cooperative.name).sort()).toEqual(LOCAL_TEAM);
    expect(bid.lotAssignments.every((a) => a.member !== null)).toBe(true);
    // A retry returns the same bid.
    expect((await propose(tender.gid, officer.token, "propose-1")).data?.proposeCompletion.id).toBe(bid.id);

    const events = await server.gql(BidEventsPageDocument, { id: bid.id, first: 50 }, leadOwner.token);
    expect(events.errors).toBeUndefined();
    const first = events.data!.bid!.events.edges[0]!.node;
    expect(first.type).toBe("BID_PROPOSED");
    expect(first.actorId).toBe(officer.globalId);

    // The partner's invitation is dormant: the bid does not exist for its people yet.
    expect(codes(await server.gql(BidDocument, { id: bid.id }, printerOwner.token))).toEqual(["NOT_FOUND"]);
    // The officer cannot answer for the lead; the lead's people can.
    expect(codes(await server.gql(AcceptProposedBidDocument, { input: { bidId: bid.id } }, officer.token))).toEqual(["FORBIDDEN"]);
    const accepted = await server.gql(AcceptProposedBidDocument, { input: { bidId: bid.id } }, leadOwner.token);
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data!.acceptProposedBid.status).toBe("DRAFT");
    const seen = await server.gql(BidDocument, { id: bid.id }, printerOwner.token);
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.bid!.members.find((m) => m.cooperative.name === "Imprimerie de Balma")?.status).toBe("INVITED");
    expect(codes(await server.gql(AcceptProposedBidDocument, { input: { bidId: bid.id } }, leadOwner.token))).toEqual(["INVALID_STATE"]);

    // One lead per tender counts the proposed (now draft) bid.
    expect(codes(await propose(tender.gid))).toEqual(["CONFLICT"]);
  });

  test("the lead declines: the bid is WITHDRAWN, the invitations removed, and the cooperative is still the tender's lead", async () => {
    const tender = await insertTender("Proposée puis déclinée");
    const bid = (await propose(tender.gid, admin.token)).data!.proposeCompletion;
    expect(bid.status).toBe("PROPOSED");
    // Already proposed: the one-lead rule applies to proposals too.
    const general = await server.gql(CompletionSuggestionsDocument, { id: tender.gid, first: 20 }, officer.token);
    const leads = general.data!.tender!.consortiumSuggestions.suggestions.map((s) => s.members.find((m) => m.role === "LEAD")?.cooperative.name);
    expect(leads).not.toContain("Films de Tournefeuille");

    const declined = await server.gql(
      DeclineProposedBidDocument,
      { input: { bidId: bid.id, reason: "Nous préférons nos partenaires habituels." } },
      leadOwner.token,
    );
    expect(declined.errors).toBeUndefined();
    expect(declined.data!.declineProposedBid.status).toBe("WITHDRAWN");
    expect(codes(await server.gql(BidDocument, { id: bid.id }, printerOwner.token))).toEqual(["NOT_FOUND"]);
    const events = await server.gql(BidEventsPageDocument, { id: bid.id, first: 50 }, leadOwner.token);
    expect(events.data!.bid!.events.edges.map((e) => e.node.type)).toContain("PROPOSAL_DECLINED");
  });

  test("a member may not propose on behalf of a cooperative, and nothing is written", async () => {
    const tender = await insertTender("Pas pour les membres");
    const before = await countRows(server, "bids");
    expect(codes(await propose(tender.gid, leadOwner.token))).toEqual(["FORBIDDEN"]);
    expect(codes(await propose(tender.gid, outsider.token))).toEqual(["FORBIDDEN"]);
    expect(await countRows(server, "bids")).toBe(before);
  });

  test("an officer may propose a team of its own choosing, lot by lot", async () => {
    const tender = await insertTender("Composée par l'officier");
    const lotMembers = [
      { lotId: tender.lots[1]!.gid, cooperativeId: coops["Imprimerie de Paris"]!.gid },
      { lotId: tender.lots[2]!.gid, cooperativeId: coops["Imprimerie de Paris"]!.gid },
    ];
    const result = await server.gql(
      ProposeCompletionDocument,
      { input: { tenderId: tender.gid, leadCooperativeId: coops["Films de Tournefeuille"]!.gid, lotMembers } },
      officer.token,
    );
    expect(result.errors).toBeUndefined();
    const bid = result.data!.proposeCompletion;
    expect(bid.members.map((m) => m.cooperative.name).sort()).toEqual(FAR_TEAM);
    expect(bid.lotAssignments.map((a) => a.lot.number).sort()).toEqual([2, 3]);
    expect(codes(await server.gql(BidDocument, { id: bid.id }, farOwner.token))).toEqual(["NOT_FOUND"]);
  });
});
