import { PlatformRole } from "../../src/auth/roles";
import { fromGlobalId } from "../../src/common/node";
import { CloseTenderDocument, SubmitDirectOrderDocument } from "../generated/graphql";
import { createUser, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";
import { MailCatcher } from "../mail/smtp";
import { alerts, createDraft, importXml, openingNotice, publish, publishNew, save } from "./alert-setup";

/*
 * Saved searches alert their owner when a tender opens and matches: imported from a notice,
 * published by an officer, or placed as a direct order (staff only). Once per tender and search.
 */

let server: TestServer;
let catcher: MailCatcher;
let member: TestUser, other: TestUser, officer: TestUser, client: TestUser;

const uuidOf = (globalId: string) => fromGlobalId(globalId)!.id;

beforeAll(async () => {
  catcher = await MailCatcher.start();
  server = await startTestServer({ env: { SMTP_URL: catcher.url, APP_URL: "https://app.scopgraph.test" } });
  [member, other, officer, client] = await Promise.all([
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server, PlatformRole.CLIENT),
  ]);
});

afterAll(async () => {
  await server?.close();
  await catcher?.close();
});

describe("an imported contract notice that opens", () => {
  test("alerts the matching search once (inbox and e-mail), even when re-imported or reopened", async () => {
    const matching = await save(server, member.token, {
      name: "Espaces verts en Seine-Maritime",
      cpvCodes: ["7981"],
      departmentCodes: ["76"],
      keywords: ["ESPACES VERTS"],
      delivery: "INBOX_AND_EMAIL",
    });
    const otherCpv = await save(server, member.token, { name: "Vidéo 76", cpvCodes: ["92"], departmentCodes: ["76"] });
    const otherPlace = await save(server, member.token, { name: "Espaces verts 13", cpvCodes: ["79810000"], departmentCodes: ["13"] });

    const first = await importXml(server, openingNotice(), officer.token);
    expect(first).toMatchObject({ status: "CREATED", tender: { status: "OPEN", departmentCode: "76" } });
    const tender = uuidOf(first.tender.id);

    const got = await alerts(server, member.id);
    expect(got).toEqual([
      {
        recipient: member.id,
        kind: "SAVED_SEARCH_MATCH",
        text: expect.stringContaining("Espaces verts en Seine-Maritime"),
        subject: first.tender.id,
        key: `search:${uuidOf(matching)}:${tender}`,
      },
    ]);
    expect(got.map((a) => a.key).join()).not.toMatch(new RegExp(`${uuidOf(otherCpv)}|${uuidOf(otherPlace)}`));

    // The e-mail goes through the outbox to the real SMTP server.
    const mail = await catcher.next(member.email, (m) => (m.subject ?? "").includes("Espaces verts en Seine-Maritime"));
    expect(mail.text).toContain(`https://app.scopgraph.test/tenders/${first.tender.id}`);
    expect(mail.text).toContain("Acheteur : Rouen Habitat");
    expect(mail.text).toContain("79810000 (Services d'impression)");

    // The same notice again: nothing new.
    expect((await importXml(server, openingNotice(), officer.token)).status).toBe("UNCHANGED");
    // Closed, then reopened by a new version of the notice: the tender opens again, the alert is not repeated.
    expect((await server.gql(CloseTenderDocument, { id: first.tender.id }, officer.token)).data?.closeTender.status).toBe("CLOSED");
    const reopened = await importXml(server, openingNotice("02"), officer.token);
    expect(reopened).toMatchObject({ status: "UPDATED", tender: { status: "OPEN" } });
    expect(await alerts(server, member.id)).toHaveLength(1);
    const outbox = await server.orm.em
      .getConnection()
      .execute<{ n: number }[]>("SELECT count(*)::int AS n FROM mail_outbox WHERE recipient = ?", [member.email]);
    expect(outbox[0]!.n).toBe(1);
    expect(catcher.to(member.email).filter((m) => (m.subject ?? "").includes("Espaces verts en Seine-Maritime"))).toHaveLength(1);
  });
});

describe("a tender published by an officer", () => {
  test("alerts exactly the searches it matches: CPV, places, distance, value, kinds, keywords without accents or case", async () => {
    const s = {
      videoNoAccent: await save(server, member.token, { name: "video", keywords: ["video"], cpvCodes: ["9211"] }),
      videoUpperAccent: await save(server, member.token, { name: "VIDÉO", keywords: ["VIDÉO institutionnelle"] }),
      nearEvreux60: await save(server, member.token, { name: "60 km d'Évreux", near: { commune: "Évreux", radiusKm: 60 } }),
      nearEvreux30: await save(server, member.token, { name: "30 km d'Évreux", near: { commune: "27229", radiusKm: 30 } }),
      eure: await save(server, member.token, { name: "Eure", departmentCodes: ["27"] }),
      normandie: await save(server, member.token, { name: "Normandie", regionCodes: ["28"] }),
      above50k: await save(server, member.token, { name: "50 k€ et plus", minValue: 50000 }),
      from40k: await save(server, member.token, { name: "40 k€ et plus", minValue: 40000, cpvCodes: ["92111000-2"] }),
      audio: await save(server, member.token, { name: "audio", keywords: ["audio", "ideo"] }),
      calls: await save(server, member.token, { name: "Appels à projets", kinds: ["CALL_FOR_PROJECTS"], regionCodes: ["28"] }),
      print: await save(server, member.token, { name: "Impression", cpvCodes: ["79810000"] }),
      orders: await save(server, member.token, { name: "Commandes directes", kinds: ["DIRECT_ORDER"] }),
    };
    const theirs = await save(server, other.token, { name: "Vidéo Normandie", keywords: ["vidéo"], regionCodes: ["28"] });
    const tender = await publishNew(server, officer.token, {
      title: "Réalisation d'une Vidéo institutionnelle",
      description: "Tournage et montage à Rouen.",
      communeCode: "76540",
      cpv: ["92111000"],
      value: 40000,
    });
    const id = uuidOf(tender);
    // Among this test's searches (the member's earlier ones may match too: "Vidéo 76" does).
    const ours = new Set(Object.values(s).map(uuidOf));
    const mine = (await alerts(server, member.id)).filter((a) => a.key.endsWith(id) && ours.has(a.key.split(":")[1]!));
    const expected = ["videoNoAccent", "videoUpperAccent", "nearEvreux60", "normandie", "from40k"] as const;
    expect(mine.map((a) => a.key).sort()).toEqual(expected.map((k) => `search:${uuidOf(s[k])}:${id}`).sort());
    expect(mine.every((a) => a.subject === tender)).toBe(true);
    expect(await alerts(server, other.id)).toEqual([expect.objectContaining({ key: `search:${uuidOf(theirs)}:${id}` })]);
  });

  test("a draft alerts nobody; a search for lot text matches a word of a lot", async () => {
    await save(server, other.token, { name: "Flyers", keywords: ["flyer"] });
    const before = (await alerts(server, other.id)).length;
    const draft = await createDraft(server, officer.token, {
      title: "Communication 2027",
      communeCode: "13055",
      cpv: ["79810000"],
      description: "Flyers et affiches",
    });
    expect(await alerts(server, other.id)).toHaveLength(before);
    const tender = await publish(server, officer.token, draft);
    const got = (await alerts(server, other.id)).slice(before);
    expect(got.map((a) => a.subject)).toEqual([tender]);
  });
});

describe("a client's direct order", () => {
  test("alerts the staff's searches that ask for orders, never a member's", async () => {
    const memberSearch = await save(server, member.token, { name: "Impression partout", cpvCodes: ["7981"] });
    const officerSearch = await save(server, officer.token, { name: "Commandes d'impression", cpvCodes: ["7981"], kinds: ["DIRECT_ORDER"] });
    const order = await server.gql(
      SubmitDirectOrderDocument,
      {
        input: {
          kind: "DIRECT_ORDER",
          title: "Cartes de visite",
          buyerName: "Boulangerie Martin",
          lots: [{ number: 1, title: "Cartes", cpvCodes: ["79810000"] }],
        },
      },
      client.token,
    );
    expect(order.errors).toBeUndefined();
    const id = uuidOf(order.data!.submitDirectOrder.id);
    expect((await alerts(server, officer.id)).map((a) => a.key)).toContain(`search:${uuidOf(officerSearch)}:${id}`);
    expect((await alerts(server, member.id)).map((a) => a.key).filter((k) => k.endsWith(id))).toEqual([]);
    expect(memberSearch).toBeTruthy();
  });
});
