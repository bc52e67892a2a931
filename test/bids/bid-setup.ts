import { randomUUID } from "node:crypto";
import { PlatformRole } from "../../src/auth/roles";
import { toGlobalId } from "../../src/common/node";
import { Lot } from "../../src/tenders/tender.entity";
import { cpvSummary } from "../../src/tenders/tender.cpv";
import { CreateBidDocument, type CreateBidInput } from "../generated/graphql";
import { createUser, insertCooperative, type TestUser } from "../helpers/factories";
import type { TestServer } from "../helpers/server";
import { insertTender, type TenderSeed } from "../tenders/tender-factory";

/**
 * A tender with two lots and the people around a consortium bid:
 * - lead (cooperative A, which leads the bid), partner (cooperative B, invited), third (C, invited);
 * - rival: cooperative R, bidding on the same tender with a bid of its own;
 * - officer, admin, outsider (a member of no cooperative of the bid).
 */
export interface BidWorld {
  tender: { id: string; gid: string };
  lots: { id: string; gid: string }[];
  coopA: { id: string; gid: string };
  coopB: { id: string; gid: string };
  coopC: { id: string; gid: string };
  coopR: { id: string; gid: string };
  lead: TestUser;
  partner: TestUser;
  third: TestUser;
  rival: TestUser;
  officer: TestUser;
  admin: TestUser;
  outsider: TestUser;
}

export async function createWorld(server: TestServer, tenderSeed: TenderSeed & { groupLegalForm?: string } = {}): Promise<BidWorld> {
  const [lead, partner, third, rival, officer, admin, outsider] = await Promise.all([
    createUser(server),
    createUser(server),
    createUser(server),
    createUser(server),
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server, PlatformRole.ADMIN),
    createUser(server),
  ]);
  const em = server.orm.em.fork();
  const tender = await insertTender(em, tenderSeed);
  if (tenderSeed.groupLegalForm) {
    tender.groupLegalFormRequired = true;
    tender.groupLegalForm = tenderSeed.groupLegalForm;
  }
  const lot2 = em.create(Lot, { tender, number: 2, title: "Site web", cpvCodes: ["72413000"], cpvPrefixes: cpvSummary([["72413000"]]).cpvPrefixes });
  await em.flush();
  const lots = await em.find(Lot, { tender: tender.id }, { orderBy: { number: "asc" } });
  void lot2;
  const coopA = await insertCooperative(em, { owner: lead, name: "Atelier A" });
  const coopB = await insertCooperative(em, { owner: partner, name: "Brochures B" });
  const coopC = await insertCooperative(em, { owner: third, name: "Cinéma C" });
  const coopR = await insertCooperative(em, { owner: rival, name: "Rival R" });
  const ref = (x: { id: string; gid: string }) => ({ id: x.id, gid: x.gid });
  return {
    tender: ref(tender),
    lots: lots.map((l) => ({ id: l.id, gid: toGlobalId("Lot", l.id) })),
    coopA: ref(coopA),
    coopB: ref(coopB),
    coopC: ref(coopC),
    coopR: ref(coopR),
    lead,
    partner,
    third,
    rival,
    officer,
    admin,
    outsider,
  };
}

export function cmid(): string {
  return randomUUID();
}

export async function createBid(server: TestServer, token: string, input: CreateBidInput) {
  const result = await server.gql(CreateBidDocument, { input }, token);
  if (result.errors?.length || !result.data) throw new Error(`createBid failed: ${JSON.stringify(result.errors)}`);
  return result.data.createBid;
}

/**
 * Another person of a cooperative (a plain MEMBER): inside a bid, people of the same cooperative
 * share its rights, e.g. to type into the sections assigned to one of them.
 */
export async function secondPerson(server: TestServer, cooperativeId: string): Promise<TestUser> {
  const person = await createUser(server);
  await server.orm.em
    .fork()
    .getConnection()
    .execute("INSERT INTO memberships (id, cooperative_id, user_id, role) VALUES (gen_random_uuid(), ?, ?, 'MEMBER')", [cooperativeId, person.id]);
  return person;
}
