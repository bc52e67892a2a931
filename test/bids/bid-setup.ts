import { randomUUID } from "node:crypto";
import { PlatformRole } from "../../src/auth/roles";
import { AddBidSectionDocument, AnswerBidInvitationDocument, CreateBidDocument, InviteBidMemberDocument, type CreateBidInput } from "../generated/graphql";
import { buildMember, buildTender, createUser, insertCooperative, type TenderSeed, type TestUser } from "../helpers/factories";
import type { TestServer } from "../helpers/server";

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

export async function createWorld(server: TestServer, tenderSeed: TenderSeed = {}): Promise<BidWorld> {
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
  const tender = await buildTender(em, {
    lots: [
      { title: "Lot unique", cpv: tenderSeed.cpv ?? ["79810000"] },
      { title: "Site web", cpv: ["72413000"] },
    ],
    ...tenderSeed,
  });
  const coopA = await insertCooperative(em, { owner: lead, name: "Atelier A" });
  const coopB = await insertCooperative(em, { owner: partner, name: "Brochures B" });
  const coopC = await insertCooperative(em, { owner: third, name: "Cinéma C" });
  const coopR = await insertCooperative(em, { owner: rival, name: "Rival R" });
  const ref = (x: { id: string; gid: string }) => ({ id: x.id, gid: x.gid });
  return {
    tender: ref(tender),
    lots: tender.lotRefs.map((l) => ({ id: l.id, gid: l.gid })),
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

/** Another person of a cooperative (a plain MEMBER), as the bid tests name it. */
export function secondPerson(server: TestServer, cooperativeId: string): Promise<TestUser> {
  return buildMember(server, cooperativeId);
}

/** A bid of A with B accepted, and a section assigned to B's person (both may type into it). */
export interface SectionScene {
  w: BidWorld;
  bidId: string;
  sectionId: string;
  partnerMember: string;
}

export async function sectionScene(server: TestServer): Promise<SectionScene> {
  const w = await createWorld(server);
  const bid = await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
  const invited = await server.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: w.coopB.gid } }, w.lead.token);
  const partnerMember = invited.data!.inviteBidMember.id;
  await server.gql(AnswerBidInvitationDocument, { input: { memberId: partnerMember, accept: true } }, w.partner.token);
  return { w, bidId: bid.id, sectionId: await addSection(server, w, bid.id, "Méthodologie"), partnerMember };
}

/** A section of the bid, assigned to the partner's person. */
export async function addSection(server: TestServer, w: BidWorld, bidId: string, title: string): Promise<string> {
  const added = await server.gql(AddBidSectionDocument, { input: { bidId, title, assigneeId: w.partner.globalId } }, w.lead.token);
  if (added.errors?.length || !added.data) throw new Error(`addBidSection failed: ${JSON.stringify(added.errors)}`);
  return added.data.addBidSection.id;
}
