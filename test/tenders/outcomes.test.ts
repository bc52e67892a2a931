import { PlatformRole } from "../../src/auth/roles";
import { computeVolume, monthsBetween } from "../../src/stats/business-volume.service";
import { TenderKind, TenderStatus } from "../../src/tenders/tender.enums";
import { toGlobalId } from "../../src/common/node";
import { BidGroupType, BidStatus } from "../../src/bids/bid.enums";
import {
  BidResultsDocument,
  BusinessVolumeDocument,
  RecordTenderOutcomeDocument,
  TenderDocument,
  TenderOutcomesDocument,
  type OutcomeInput,
} from "../generated/graphql";
import { buildBid, buildTender, countRows, createUser, eventTypes, insertCooperative, type TestUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
let officer: TestUser, admin: TestUser, member: TestUser, client: TestUser;
let coopA: { gid: string; id: string }, coopB: { gid: string; id: string };

beforeAll(async () => {
  server = await startTestServer();
  [officer, admin, member, client] = await Promise.all([
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server, PlatformRole.ADMIN),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.CLIENT),
  ]);
  const em = server.orm.em.fork();
  coopA = await insertCooperative(em, { name: "A" });
  coopB = await insertCooperative(em, { name: "B" });
});
afterAll(async () => {
  await server.close();
});

const won = (amount: number, at: string, winners = [coopA.gid], consortiumName?: string): OutcomeInput => ({
  result: "WON",
  winnerIds: winners,
  awardedAmount: amount,
  awardedAt: at,
  consortiumName: consortiumName ?? null,
});

describe("outcomes", () => {
  test("recording a won outcome awards a CLOSED tender with a 3% commission; a correction replaces it", async () => {
    const t = await buildTender(server.orm.em.fork(), { status: TenderStatus.CLOSED });
    await buildBid(server.orm.em.fork(), { tenderId: t.id, cooperativeIds: [coopA.id, coopB.id] });
    const r = await server.gql(
      RecordTenderOutcomeDocument,
      { tenderId: t.gid, input: won(123_456, "2025-06-01T10:00:00Z", [coopA.gid, coopB.gid], "Groupement A+B") },
      officer.token,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.recordTenderOutcome).toMatchObject({
      tender: { status: "AWARDED" },
      outcome: {
        result: "WON",
        awardedAmount: 123456,
        commission: 3704,
        commissionRate: 0.03,
        consortiumName: "Groupement A+B",
        awardedAt: "2025-06-01T10:00:00.000Z",
      },
    });
    expect(r.data!.recordTenderOutcome.outcome.winners.map((w) => w.id).sort()).toEqual([coopA.gid, coopB.gid].sort());
    const fix = await server.gql(RecordTenderOutcomeDocument, { tenderId: t.gid, input: { result: "LOST" } }, officer.token);
    expect(fix.data!.recordTenderOutcome.outcome).toMatchObject({ result: "LOST", awardedAmount: 0, commission: 0, winners: [], bid: null });
    expect(await countRows(server, "outcomes")).toBe(1);
    const read = await server.gql(TenderDocument, { id: t.gid }, officer.token);
    expect(read.data?.tender!.outcome?.result).toBe("LOST");
    expect((await server.gql(TenderDocument, { id: t.gid }, member.token)).data?.tender!.outcome).toBeNull();
  });

  test.each([TenderStatus.DRAFT, TenderStatus.OPEN, TenderStatus.CANCELLED])("an outcome on a %s tender is INVALID_STATE", async (status) => {
    const t = await buildTender(server.orm.em.fork(), { status, createdById: officer.id });
    expect(codes(await server.gql(RecordTenderOutcomeDocument, { tenderId: t.gid, input: won(1000, "2025-01-01T00:00:00Z") }, officer.token))).toEqual([
      "INVALID_STATE",
    ]);
  });

  test("members and clients may not record outcomes", async () => {
    const t = await buildTender(server.orm.em.fork(), { status: TenderStatus.CLOSED });
    expect(codes(await server.gql(RecordTenderOutcomeDocument, { tenderId: t.gid, input: won(1000, "2025-01-01T00:00:00Z") }, member.token))).toEqual([
      "FORBIDDEN",
    ]);
    expect(codes(await server.gql(RecordTenderOutcomeDocument, { tenderId: t.gid, input: won(1000, "2025-01-01T00:00:00Z") }, client.token))).toEqual([
      "FORBIDDEN",
    ]);
  });

  test.each<[string, () => OutcomeInput, string | undefined]>([
    ["input.bidId", () => ({ result: "WON", winnerIds: [], awardedAmount: 1000 }), undefined],
    ["input.awardedAmount", () => ({ result: "WON", winnerIds: [coopA.gid] }), undefined],
    ["input.awardedAmount", () => ({ result: "WON", winnerIds: [coopA.gid], awardedAmount: 0 }), undefined],
    ["input.winnerIds[0]", () => ({ result: "WON", winnerIds: ["nope"], awardedAmount: 1000 }), undefined],
    [
      "input.winnerIds[1]",
      () => ({
        result: "WON",
        winnerIds: [coopA.gid, Buffer.from("Cooperative:00000000-0000-4000-8000-000000000000").toString("base64url")],
        awardedAmount: 1000,
      }),
      undefined,
    ],
    // A cooperative that is not a member of a bid on this tender is not a winner of the platform.
    ["input.winnerIds", () => ({ result: "WON", winnerIds: [coopB.gid], awardedAmount: 1000 }), undefined],
    ["input.bidId", () => ({ result: "WON", bidId: toGlobalId("Bid", "00000000-0000-4000-8000-000000000000"), awardedAmount: 1000 }), undefined],
    ["input.bidId", () => ({ result: "WON", bidId: "nope", awardedAmount: 1000 }), undefined],
    ["input.outsideWinner", () => ({ result: "WON", winnerIds: [coopA.gid], awardedAmount: 1000, outsideWinner: { name: "X" } }), undefined],
    [
      "input.lotId",
      () => ({ result: "WON", winnerIds: [coopA.gid], awardedAmount: 1000, lotId: toGlobalId("Lot", "00000000-0000-4000-8000-000000000000") }),
      undefined,
    ],
    ["input.winnerIds", () => ({ result: "LOST", winnerIds: [coopA.gid] }), undefined],
    ["input.awardedAmount", () => ({ result: "LOST", awardedAmount: 5 }), undefined],
    ["input.outsideWinner.name", () => ({ result: "LOST", outsideWinner: { name: "  " } }), undefined],
    ["input.outsideWinner.siret", () => ({ result: "LOST", outsideWinner: { name: "Rival SA", siret: "12" } }), undefined],
    ["input.consortiumName", () => ({ result: "LOST", consortiumName: "X" }), undefined],
    ["input.awardedAt", () => ({ ...won(1000, new Date(Date.now() + 86400_000).toISOString()) }), undefined],
    ["tenderId", () => won(1000, "2025-01-01T00:00:00Z"), "bad"],
  ])("bad input on %s is BAD_USER_INPUT naming it; nothing written", async (field, input, tenderId) => {
    const t = await buildTender(server.orm.em.fork(), { status: TenderStatus.CLOSED });
    await buildBid(server.orm.em.fork(), { tenderId: t.id, cooperativeIds: [coopA.id] });
    const before = await countRows(server, "outcomes");
    const events = await countRows(server, "bid_events");
    const result = await server.gql(RecordTenderOutcomeDocument, { tenderId: tenderId ?? t.gid, input: input() }, officer.token);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(await countRows(server, "outcomes")).toBe(before);
    expect((await server.gql(TenderDocument, { id: t.gid }, officer.token)).data?.tender!.status).toBe("CLOSED");
    expect(await countRows(server, "bid_events")).toBe(events);
  });
});

describe("business volume", () => {
  test("figures by channel, region and month, tender share, pipeline and target, against hand-computed values", async () => {
    const em = server.orm.em.fork();
    await em.getConnection().execute("DELETE FROM outcomes; DELETE FROM bids; DELETE FROM tenders;");
    const closed = (kind: TenderKind, region: string) =>
      buildTender(em, { status: TenderStatus.CLOSED, kind, region, clientId: kind === TenderKind.DIRECT_ORDER ? client.id : undefined });
    const t1 = await closed(TenderKind.DIRECT_ORDER, "28");
    const t2 = await closed(TenderKind.PUBLIC_TENDER, "11");
    const t3 = await closed(TenderKind.CALL_FOR_PROJECTS, "28");
    const t4 = await closed(TenderKind.PUBLIC_TENDER, "84");
    const t5 = await closed(TenderKind.PUBLIC_TENDER, "28");
    await buildTender(em, { status: TenderStatus.OPEN, value: 20_000 });
    await buildTender(em, { status: TenderStatus.OPEN, value: null });
    await buildTender(em, { status: TenderStatus.DRAFT, value: 99_999 });
    for (const t of [t1, t2, t3, t4, t5]) await buildBid(em, { tenderId: t.id, cooperativeIds: [coopA.id] });
    const record = async (gid: string, input: OutcomeInput) => {
      const r = await server.gql(RecordTenderOutcomeDocument, { tenderId: gid, input }, officer.token);
      expect(r.errors).toBeUndefined();
    };
    await record(t1.gid, won(100_000, "2026-03-15T12:00:00Z")); // commission 3,000
    await record(t2.gid, won(50_000, "2026-04-02T12:00:00Z")); // 1,500
    await record(t3.gid, won(33_333, "2026-04-20T12:00:00Z")); // 999.99 → 1,000
    await record(t4.gid, { result: "LOST", awardedAt: "2026-04-21T12:00:00Z" }); // not counted
    await record(t5.gid, won(10_000, "2026-05-01T00:00:00Z")); // just outside the window

    const result = await server.gql(BusinessVolumeDocument, { from: "2026-03-01T00:00:00Z", to: "2026-05-01T00:00:00Z" }, admin.token);
    expect(result.errors).toBeUndefined();
    const v = result.data!.businessVolume;
    expect(v.total).toEqual({ count: 3, awardedAmount: 183_333, commission: 5_500 });
    expect(v.byChannel).toEqual([
      { channel: "DIRECT_ORDER", count: 1, awardedAmount: 100_000, commission: 3_000 },
      { channel: "TENDER", count: 2, awardedAmount: 83_333, commission: 2_500 },
    ]);
    expect(v.byRegion).toEqual([
      { regionCode: "28", regionName: "Normandie", count: 2, awardedAmount: 133_333, commission: 4_000 },
      { regionCode: "11", regionName: "Île-de-France", count: 1, awardedAmount: 50_000, commission: 1_500 },
    ]);
    expect(v.byMonth).toEqual([
      { month: "2026-03", count: 1, awardedAmount: 100_000, commission: 3_000 },
      { month: "2026-04", count: 2, awardedAmount: 83_333, commission: 2_500 },
    ]);
    expect(v.tenderShare).toBeCloseTo(83_333 / 183_333, 10);
    expect(v.pipeline).toEqual({ count: 2, estimatedValue: 20_000 });
    // The target is measured on the business won (REVENUE_TARGET_BASE=AWARDED by default), not on the commission.
    expect(v.target).toEqual({ base: "AWARDED", amount: 700_000, months: 24, earned: 183_333, progress: 183_333 / 700_000 });
    expect(v.commissionRate).toBe(0.03);
  });

  test("access and bad windows", async () => {
    expect(codes(await server.gql(BusinessVolumeDocument, {}, member.token))).toEqual(["FORBIDDEN"]);
    expect(codes(await server.gql(BusinessVolumeDocument, {}, client.token))).toEqual(["FORBIDDEN"]);
    const bad = await server.gql(BusinessVolumeDocument, { from: "2026-05-01T00:00:00Z", to: "2026-03-01T00:00:00Z" }, officer.token);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "to" });
    const byDefault = await server.gql(BusinessVolumeDocument, {}, officer.token);
    expect(byDefault.data?.businessVolume.byMonth).toHaveLength(25); // 24 months back to now, both ends partial
  });

  test("pure figures: empty window, months listed with zeros", () => {
    const v = computeVolume(
      [],
      { from: new Date("2026-01-15T00:00:00Z"), to: new Date("2026-03-01T00:00:00Z") },
      { count: 0, estimatedValue: 0 },
      { commissionRate: 0.03, revenueTarget: { amount: 700_000, months: 24, base: "AWARDED" } },
    );
    expect(v.byMonth.map((m) => [m.month, m.count])).toEqual([
      ["2026-01", 0],
      ["2026-02", 0],
    ]);
    expect(v.tenderShare).toBe(0);
    expect(v.target.progress).toBe(0);
    expect(monthsBetween(new Date("2025-12-31T23:00:00Z"), new Date("2026-01-01T00:00:01Z"))).toEqual(["2025-12", "2026-01"]);
  });
});

describe("the award closes the loop", () => {
  async function twoLotTender(extra: { groupLegalForm?: string } = {}) {
    const t = await buildTender(server.orm.em.fork(), {
      status: TenderStatus.CLOSED,
      groupLegalForm: extra.groupLegalForm,
      lots: [
        { title: "Lot unique", cpv: ["79810000"] },
        { title: "Site web", cpv: ["72413000"] },
      ],
    });
    return { t, lots: t.lotRefs.map((l) => ({ id: l.id, gid: l.gid })) };
  }

  test("one outcome per lot sets each bid's lot results and status in its log; the tender is AWARDED when every lot is decided", async () => {
    const { t, lots } = await twoLotTender();
    const coopC = await insertCooperative(server.orm.em.fork(), { name: "C" });
    const x = await buildBid(server.orm.em.fork(), { tenderId: t.id, cooperativeIds: [coopA.id, coopB.id] });
    const y = await buildBid(server.orm.em.fork(), { tenderId: t.id, cooperativeIds: [coopC.id], lotIds: [lots[1]!.id] });

    const first = await server.gql(
      RecordTenderOutcomeDocument,
      { tenderId: t.gid, input: { result: "WON", lotId: lots[0]!.gid, bidId: x.gid, awardedAmount: 40_000, awardedAt: "2026-01-10T00:00:00Z" } },
      officer.token,
    );
    expect(first.errors).toBeUndefined();
    expect(first.data!.recordTenderOutcome).toMatchObject({
      tender: { status: "CLOSED" }, // lot 2 is not decided yet
      outcome: { result: "WON", source: "MANUAL", lot: { number: 1 }, bid: { id: x.gid }, awardedAmount: 40_000, commission: 1_200 },
    });
    expect((await server.gql(BidResultsDocument, { id: x.gid }, officer.token)).data?.bid).toMatchObject({
      status: "WON",
      lotResults: [{ lot: { number: 1 }, result: "WON", awardedAmount: 40_000, source: "MANUAL" }],
    });
    expect((await server.gql(BidResultsDocument, { id: y.gid }, officer.token)).data?.bid).toMatchObject({ status: "SUBMITTED", lotResults: [] });

    const second = await server.gql(
      RecordTenderOutcomeDocument,
      {
        tenderId: t.gid,
        input: { result: "LOST", lotId: lots[1]!.gid, outsideWinner: { name: "Imprimerie Rivale SA", siret: "732 829 320 00074" }, awardedAmount: 18_000 },
      },
      officer.token,
    );
    expect(second.errors).toBeUndefined();
    expect(second.data!.recordTenderOutcome).toMatchObject({
      tender: { status: "AWARDED" },
      outcome: { result: "LOST", commission: 0, bid: null, winnerName: "Imprimerie Rivale SA", winnerSiret: "73282932000074" },
    });
    expect((await server.gql(BidResultsDocument, { id: x.gid }, officer.token)).data?.bid).toMatchObject({
      status: "WON",
      lotResults: [
        { lot: { number: 1 }, result: "WON" },
        { lot: { number: 2 }, result: "LOST", awardedAmount: null },
      ],
    });
    expect((await server.gql(BidResultsDocument, { id: y.gid }, officer.token)).data?.bid).toMatchObject({
      status: "LOST",
      lotResults: [{ lot: { number: 2 }, result: "LOST" }],
    });

    const em = server.orm.em.fork();
    expect((await eventTypes(em, x.id)).map((e) => [e.type, e.payload.result ?? e.payload.to])).toEqual([
      ["LOT_RESULT_RECORDED", "WON"],
      ["STATUS_CHANGED", "WON"],
      ["LOT_RESULT_RECORDED", "LOST"],
    ]);
    expect((await eventTypes(em, y.id)).map((e) => [e.type, e.payload.result ?? e.payload.to])).toEqual([
      ["LOT_RESULT_RECORDED", "LOST"],
      ["STATUS_CHANGED", "LOST"],
    ]);
    const intel = await server.gql(TenderOutcomesDocument, { id: t.gid }, officer.token);
    expect(intel.data!.tender!.outcomes.map((o) => [o.lot?.number, o.result, o.bid?.id ?? o.winnerName, o.awardedAmount])).toEqual([
      [1, "WON", x.gid, 40_000],
      [2, "LOST", "Imprimerie Rivale SA", 18_000],
    ]);
    // Competitive intelligence is for officers only.
    expect((await server.gql(TenderOutcomesDocument, { id: t.gid }, member.token)).data?.tender?.outcomes ?? []).toEqual([]);
  });

  test("a winner that is not a submitted bid on this tender, or a lot the bid did not answer, is refused; nothing written", async () => {
    const { t, lots } = await twoLotTender();
    const other = await buildTender(server.orm.em.fork(), { status: TenderStatus.CLOSED });
    const elsewhere = await buildBid(server.orm.em.fork(), { tenderId: other.id, cooperativeIds: [coopA.id] });
    const draft = await buildBid(server.orm.em.fork(), { tenderId: t.id, cooperativeIds: [coopB.id], status: BidStatus.DRAFT });
    const partial = await buildBid(server.orm.em.fork(), { tenderId: t.id, cooperativeIds: [coopA.id], lotIds: [lots[1]!.id] });
    const before = [await countRows(server, "outcomes"), await countRows(server, "bid_events")];
    const attempt = (input: OutcomeInput) => server.gql(RecordTenderOutcomeDocument, { tenderId: t.gid, input }, officer.token);
    for (const [input, field] of [
      [{ result: "WON", lotId: lots[0]!.gid, bidId: elsewhere.gid, awardedAmount: 1000 }, "input.bidId"],
      [{ result: "WON", lotId: lots[0]!.gid, bidId: draft.gid, awardedAmount: 1000 }, "input.bidId"],
      [{ result: "WON", lotId: lots[0]!.gid, winnerIds: [coopB.gid], awardedAmount: 1000 }, "input.winnerIds"],
      [{ result: "WON", lotId: lots[0]!.gid, bidId: partial.gid, awardedAmount: 1000 }, "input.lotId"],
      [{ result: "WON", bidId: partial.gid, awardedAmount: 1000 }, "input.lotId"],
    ] as const) {
      const r = await attempt(input as OutcomeInput);
      expect([codes(r), r.errors?.[0]?.extensions?.field]).toEqual([["BAD_USER_INPUT"], field]);
    }
    expect([await countRows(server, "outcomes"), await countRows(server, "bid_events")]).toEqual(before);
  });

  test("a group form required by the buyer applies at award: a win by a group of another form asks for the change in its log", async () => {
    const { t, lots } = await twoLotTender({ groupLegalForm: "Groupement conjoint avec mandataire solidaire" });
    const solidaire = await buildBid(server.orm.em.fork(), {
      tenderId: t.id,
      cooperativeIds: [coopA.id, coopB.id],
      groupType: BidGroupType.SOLIDAIRE,
      lotIds: [lots[0]!.id],
    });
    const coopD = await insertCooperative(server.orm.em.fork(), { name: "D" });
    const coopE = await insertCooperative(server.orm.em.fork(), { name: "E" });
    const conforming = await buildBid(server.orm.em.fork(), {
      tenderId: t.id,
      cooperativeIds: [coopD.id, coopE.id],
      groupType: BidGroupType.CONJOINT_WITH_SOLIDARY_LEAD,
      lotIds: [lots[1]!.id],
    });
    for (const [lot, bid] of [
      [lots[0]!, solidaire],
      [lots[1]!, conforming],
    ] as const) {
      const r = await server.gql(
        RecordTenderOutcomeDocument,
        { tenderId: t.gid, input: { result: "WON", lotId: lot.gid, bidId: bid.gid, awardedAmount: 5000 } },
        officer.token,
      );
      expect(r.errors).toBeUndefined();
    }
    const em = server.orm.em.fork();
    const asked = (await eventTypes(em, solidaire.id)).filter((e) => e.type === "GROUP_FORM_CHANGE_REQUESTED");
    expect(asked).toHaveLength(1);
    expect(asked[0]!.payload).toMatchObject({
      from: "SOLIDAIRE",
      required: "Groupement conjoint avec mandataire solidaire",
      allowed: ["CONJOINT_WITH_SOLIDARY_LEAD"],
      lotId: lots[0]!.gid,
    });
    expect((await eventTypes(em, conforming.id)).map((e) => e.type)).not.toContain("GROUP_FORM_CHANGE_REQUESTED");
  });
});
