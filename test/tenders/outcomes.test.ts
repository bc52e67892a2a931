import { PlatformRole } from "../../src/auth/roles";
import { computeVolume, monthsBetween } from "../../src/stats/business-volume.service";
import { TenderKind, TenderStatus } from "../../src/tenders/tender.enums";
import { BusinessVolumeDocument, RecordTenderOutcomeDocument, TenderDocument, type OutcomeInput } from "../generated/graphql";
import { countRows, createUser, insertCooperative, type TestUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";
import { insertTender } from "./tender-factory";

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
  result: "WON", winnerIds: winners, awardedAmount: amount, awardedAt: at, consortiumName: consortiumName ?? null,
});

describe("outcomes", () => {
  test("recording a won outcome awards a CLOSED tender with a 3% commission; a correction replaces it", async () => {
    const t = await insertTender(server.orm.em.fork(), { status: TenderStatus.CLOSED });
    const r = await server.gql(RecordTenderOutcomeDocument, { tenderId: t.gid, input: won(123_456, "2025-06-01T10:00:00Z", [coopA.gid, coopB.gid], "Groupement A+B") }, officer.token);
    expect(r.errors).toBeUndefined();
    expect(r.data!.recordTenderOutcome).toMatchObject({
      tender: { status: "AWARDED" },
      outcome: { result: "WON", awardedAmount: 123456, commission: 3704, commissionRate: 0.03, consortiumName: "Groupement A+B", awardedAt: "2025-06-01T10:00:00.000Z" },
    });
    expect(r.data!.recordTenderOutcome.outcome.winners.map((w) => w.id).sort()).toEqual([coopA.gid, coopB.gid].sort());
    const fix = await server.gql(RecordTenderOutcomeDocument, { tenderId: t.gid, input: { result: "LOST" } }, officer.token);
    expect(fix.data!.recordTenderOutcome.outcome).toMatchObject({ result: "LOST", awardedAmount: 0, commission: 0, winners: [] });
    expect(await countRows(server, "outcomes")).toBe(1);
    const read = await server.gql(TenderDocument, { id: t.gid }, officer.token);
    expect(read.data?.tender.outcome?.result).toBe("LOST");
    expect((await server.gql(TenderDocument, { id: t.gid }, member.token)).data?.tender.outcome).toBeNull();
  });

  test.each([TenderStatus.DRAFT, TenderStatus.OPEN, TenderStatus.CANCELLED])("an outcome on a %s tender is INVALID_STATE", async (status) => {
    const t = await insertTender(server.orm.em.fork(), { status, createdById: officer.id });
    expect(codes(await server.gql(RecordTenderOutcomeDocument, { tenderId: t.gid, input: won(1000, "2025-01-01T00:00:00Z") }, officer.token))).toEqual(["INVALID_STATE"]);
  });

  test("members and clients may not record outcomes", async () => {
    const t = await insertTender(server.orm.em.fork(), { status: TenderStatus.CLOSED });
    expect(codes(await server.gql(RecordTenderOutcomeDocument, { tenderId: t.gid, input: won(1000, "2025-01-01T00:00:00Z") }, member.token))).toEqual(["FORBIDDEN"]);
    expect(codes(await server.gql(RecordTenderOutcomeDocument, { tenderId: t.gid, input: won(1000, "2025-01-01T00:00:00Z") }, client.token))).toEqual(["FORBIDDEN"]);
  });

  test.each<[string, () => OutcomeInput, string | undefined]>([
    ["input.winnerIds", () => ({ result: "WON", winnerIds: [], awardedAmount: 1000 }), undefined],
    ["input.awardedAmount", () => ({ result: "WON", winnerIds: [coopA.gid] }), undefined],
    ["input.awardedAmount", () => ({ result: "WON", winnerIds: [coopA.gid], awardedAmount: 0 }), undefined],
    ["input.winnerIds[0]", () => ({ result: "WON", winnerIds: ["nope"], awardedAmount: 1000 }), undefined],
    ["input.winnerIds[1]", () => ({ result: "WON", winnerIds: [coopA.gid, Buffer.from("Cooperative:00000000-0000-4000-8000-000000000000").toString("base64url")], awardedAmount: 1000 }), undefined],
    ["input.winnerIds", () => ({ result: "LOST", winnerIds: [coopA.gid] }), undefined],
    ["input.awardedAmount", () => ({ result: "LOST", awardedAmount: 5 }), undefined],
    ["input.consortiumName", () => ({ result: "LOST", consortiumName: "X" }), undefined],
    ["input.awardedAt", () => ({ ...won(1000, new Date(Date.now() + 86400_000).toISOString()) }), undefined],
    ["tenderId", () => won(1000, "2025-01-01T00:00:00Z"), "bad"],
  ])("bad input on %s is BAD_USER_INPUT naming it; nothing written", async (field, input, tenderId) => {
    const t = await insertTender(server.orm.em.fork(), { status: TenderStatus.CLOSED });
    const before = await countRows(server, "outcomes");
    const result = await server.gql(RecordTenderOutcomeDocument, { tenderId: tenderId ?? t.gid, input: input() }, officer.token);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(await countRows(server, "outcomes")).toBe(before);
    expect((await server.gql(TenderDocument, { id: t.gid }, officer.token)).data?.tender.status).toBe("CLOSED");
  });
});

describe("business volume", () => {
  test("figures by channel, region and month, tender share, pipeline and target, against hand-computed values", async () => {
    const em = server.orm.em.fork();
    await em.getConnection().execute("DELETE FROM outcomes; DELETE FROM tenders;");
    const closed = (kind: TenderKind, region: string) => insertTender(em, { status: TenderStatus.CLOSED, kind, region, clientId: kind === TenderKind.DIRECT_ORDER ? client.id : undefined });
    const t1 = await closed(TenderKind.DIRECT_ORDER, "28");
    const t2 = await closed(TenderKind.PUBLIC_TENDER, "11");
    const t3 = await closed(TenderKind.CALL_FOR_PROJECTS, "28");
    const t4 = await closed(TenderKind.PUBLIC_TENDER, "84");
    const t5 = await closed(TenderKind.PUBLIC_TENDER, "28");
    await insertTender(em, { status: TenderStatus.OPEN, value: 20_000 });
    await insertTender(em, { status: TenderStatus.OPEN, value: null });
    await insertTender(em, { status: TenderStatus.DRAFT, value: 99_999 });
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
    expect(v.target).toEqual({ amount: 700_000, months: 24, earned: 5_500, progress: 5_500 / 700_000 });
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
    const v = computeVolume([], { from: new Date("2026-01-15T00:00:00Z"), to: new Date("2026-03-01T00:00:00Z") }, { count: 0, estimatedValue: 0 }, { commissionRate: 0.03, revenueTarget: { amount: 700_000, months: 24 } });
    expect(v.byMonth.map((m) => [m.month, m.count])).toEqual([["2026-01", 0], ["2026-02", 0]]);
    expect(v.tenderShare).toBe(0);
    expect(v.target.progress).toBe(0);
    expect(monthsBetween(new Date("2025-12-31T23:00:00Z"), new Date("2026-01-01T00:00:01Z"))).toEqual(["2025-12", "2026-01"]);
  });
});
