import { readFileSync } from "node:fs";
import path from "node:path";
import { print } from "graphql";
import { PlatformRole } from "../../src/auth/roles";
import { Cooperative } from "../../src/cooperatives/cooperative.entity";
import { withLuhnKey } from "../../src/cooperatives/siret";
import { Lot, Tender } from "../../src/tenders/tender.entity";
import { TenderStatus } from "../../src/tenders/tender.enums";
import { TENDER_PUBLISHED } from "../../src/tenders/tender.events";
import { companyNumber, matchWinner, normaliseName } from "../../src/tenders/award-matching";
import {
  BidResultsDocument,
  BusinessVolumeDocument,
  ImportNoticeDocument,
  OpportunitiesDocument,
  PublishTenderDocument,
  TenderOutcomesDocument,
  type OpportunitiesSubscription,
} from "../generated/graphql";
import { buildBid, buildTender, createUser, eventTypes, insertCooperative, type TestUser } from "../helpers/factories";
import { listening, startTestServer, type TestServer } from "../helpers/server";
import { within } from "../helpers/wait";

const FIXTURES = path.resolve(__dirname, "../fixtures/eforms");
const xml = (name: string) => readFileSync(path.join(FIXTURES, name), "utf8");

let server: TestServer;
let officer: TestUser, member: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  [officer, member] = await Promise.all([createUser(server, PlatformRole.MISSION_OFFICER), createUser(server, PlatformRole.MEMBER)]);
});
afterAll(async () => {
  await server.close();
});

async function importXml(text: string) {
  const result = await server.gql(ImportNoticeDocument, { xml: text }, officer.token);
  expect(result.errors).toBeUndefined();
  return result.data!.importNotice;
}

describe("award notices create outcomes", () => {
  test("winners matched to member cooperatives mark their bid won and move businessVolume; the other winners are kept as outside winners", async () => {
    const window = { from: "2019-01-01T00:00:00Z", to: "2020-01-01T00:00:00Z" };
    const before = (await server.gql(BusinessVolumeDocument, window, officer.token)).data!.businessVolume;
    expect(before.byChannel.find((c) => c.channel === "TENDER")?.awardedAmount).toBe(0);

    const cn = await importXml(xml("cn_24_FRA_comments.xml"));
    expect(cn.tender.status).toBe("CLOSED");
    const em = server.orm.em.fork();
    const tender = await em.findOneOrFail(Tender, { externalNoticeId: "da4d46e9-490b-41ff-a2ae-8166d356a619" });
    const lots = await em.find(Lot, { tender }, { orderBy: { number: "asc" } });
    // "Espaces Verts Lemire" (SIREN 326 912 557 in the notice) is a member: its SIRET starts with it.
    const lemire = await insertCooperative(em, { name: "Les Jardiniers Associés" });
    await em.nativeUpdate(Cooperative, { id: lemire.id }, { siret: withLuhnKey("3269125570001") });
    const partner = await insertCooperative(em, { name: "Partenaire" });
    // Named like the second winner but without its SIREN, on another tender: matched by name, no bid on this one.
    const idVerde = await insertCooperative(em, { name: "SCOP Id Verdé" });
    const bid = await buildBid(em, { tenderId: tender.id, cooperativeIds: [lemire.id, partner.id], lotIds: lots.map((l) => l.id) });

    const can = await importXml(xml("can_24_FRA_comments.xml"));
    expect(can.tender).toMatchObject({ id: cn.tender.id, status: "AWARDED" });

    const outcomes = (await server.gql(TenderOutcomesDocument, { id: cn.tender.id }, officer.token)).data!.tender!.outcomes;
    expect(
      outcomes.map((o) => ({
        lot: o.lot?.number,
        result: o.result,
        source: o.source,
        bid: o.bid?.id ?? null,
        winnerName: o.winnerName,
        amount: o.awardedAmount,
        winners: o.winners.map((w) => w.id),
      })),
    ).toEqual([
      { lot: 1, result: "WON", source: "AWARD_NOTICE", bid: bid.gid, winnerName: null, amount: 95_414, winners: [lemire.gid] },
      { lot: 2, result: "LOST", source: "AWARD_NOTICE", bid: null, winnerName: "ID Verde SASU", amount: 26_500, winners: [idVerde.gid] },
    ]);
    expect(outcomes[1]!.winnerSiret).toBe("339609661");
    expect(outcomes[0]!.commission).toBe(Math.round(95_414 * 0.03));

    const results = (await server.gql(BidResultsDocument, { id: bid.gid }, officer.token)).data!.bid;
    expect(results).toMatchObject({
      status: "WON",
      lotResults: [
        { lot: { number: 1 }, result: "WON", awardedAmount: 95_414, source: "AWARD_NOTICE" },
        { lot: { number: 2 }, result: "LOST", awardedAmount: null, source: "AWARD_NOTICE" },
      ],
    });
    expect((await eventTypes(em, bid.id)).map((e) => e.type)).toEqual(["LOT_RESULT_RECORDED", "STATUS_CHANGED", "LOT_RESULT_RECORDED"]);

    const after = (await server.gql(BusinessVolumeDocument, window, officer.token)).data!.businessVolume;
    expect(after.byChannel.find((c) => c.channel === "TENDER")).toMatchObject({ count: 1, awardedAmount: 95_414 });
    expect(after.target).toMatchObject({ base: "AWARDED", earned: 95_414 });
    expect(after.total.commission).toBe(Math.round(95_414 * 0.03));

    // Importing the same award notice again changes nothing.
    const events = (await eventTypes(em, bid.id)).length;
    expect((await importXml(xml("can_24_FRA_comments.xml"))).status).toBe("UNCHANGED");
    expect((await eventTypes(em, bid.id)).length).toBe(events);
  });

  test("winner names are matched without accents, case, punctuation or legal-form words; SIREN matches its establishments", () => {
    const members = [
      { id: "a", name: "Atelier Été SCOP SARL", siret: "12345678900011" },
      { id: "b", name: "L'Imprimerie du Port", siret: "98765432100019" },
    ];
    expect(normaliseName("SCOP SARL L'Atelier Été")).toBe("atelier ete");
    expect(matchWinner({ name: "ATELIER ETE (SA)", nationalId: null }, members)?.id).toBe("a");
    expect(matchWinner({ name: "Imprimerie du port", nationalId: null }, members)?.id).toBe("b");
    expect(matchWinner({ name: "Autre", nationalId: "987 654 321" }, members)?.id).toBe("b");
    expect(matchWinner({ name: "Autre", nationalId: "12345678900011" }, members)?.id).toBe("a");
    expect(matchWinner({ name: "Autre", nationalId: "12345678900029" }, members)).toBeNull();
    expect(matchWinner({ name: "SARL", nationalId: "not available" }, members)).toBeNull();
    expect(companyNumber("FR 123")).toBeNull();
  });
});

describe("imported tenders reach opportunities subscribers", () => {
  test("a contract notice that opens a tender is delivered to the subscription like a tender published by hand", async () => {
    const em = server.orm.em.fork();
    const coop = await insertCooperative(em, { owner: member, name: "Paysagistes de Rouen", skills: [["77310000", 5]] });
    // Every opened tender the cooperative may see is an opportunity for it.
    await em.nativeUpdate(Cooperative, { id: coop.id }, { opportunityThreshold: 0 });
    const client = server.ws(member.token);
    const listenersBefore = server.app.bus.listeners(TENDER_PUBLISHED);
    const titles: string[] = [];
    const waiters: { title: string; resolve: () => void }[] = [];
    const dispose = client.subscribe<OpportunitiesSubscription>(
      { query: print(OpportunitiesDocument), variables: { cooperative: coop.gid } },
      {
        next: (value) => {
          const title = value.data?.opportunities.tender.title;
          if (!title) return;
          titles.push(title);
          for (const w of waiters) if (w.title === title) w.resolve();
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    const arrival = (title: string) => new Promise<void>((resolve) => waiters.push({ title, resolve }));
    await listening(server, TENDER_PUBLISHED, listenersBefore + 1);
    // A tender published by hand arrives first.
    const probe = await buildTender(em, { title: "Sonde", status: TenderStatus.DRAFT, cpv: ["77310000"] });
    const probed = arrival("Sonde");
    await server.gql(PublishTenderDocument, { id: probe.gid }, officer.token);
    await within(probed, { label: "the tender published by hand on the opportunities subscription" });

    // A fresh procedure whose deadline is to come: the import opens it.
    const opening = xml("cn_24_FRA_comments.xml")
      .replaceAll("2019-06-24Z", "2099-06-24Z")
      .replaceAll("da4d46e9-490b-41ff-a2ae-8166d356a619", "5b6c1e0a-6a0e-4f7e-9d43-000000000015")
      .replaceAll("e3cdabf1-e057-47a5-9210-b1f6fc757228", "5b6c1e0a-6a0e-4f7e-9d43-000000000016");
    const imported = await importXml(opening);
    expect(imported).toMatchObject({ status: "CREATED", tender: { status: "OPEN" } });
    const delivered = arrival(imported.tender.title);
    if (titles.includes(imported.tender.title)) waiters.at(-1)!.resolve();
    await within(delivered, { label: "the imported tender on the opportunities subscription" });
    dispose();
    expect(titles.filter((t) => t === imported.tender.title)).toHaveLength(1);
  });
});
