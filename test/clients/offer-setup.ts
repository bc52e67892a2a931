import {
  AddBidPriceLineDocument,
  AddBidSectionDocument,
  AnswerBidInvitationDocument,
  ApplySectionUpdateDocument,
  AssignBidLotDocument,
  BidDocument,
  CreateBidDocument,
  InviteBidMemberDocument,
  SubmitBidDocument,
  SubmitDirectOrderDocument,
  TransitionBidDocument,
  UpdateBidSectionDocument,
  ShortlistCooperativeDocument,
} from "../generated/graphql";
import type { TestUser } from "../helpers/factories";
import type { TestServer } from "../helpers/server";
import { yUpdate } from "../security/world";

/** Runs a set-up call through the API that must succeed. */
export async function ok<T>(promise: Promise<{ data?: T | null; errors?: readonly unknown[] }>): Promise<T> {
  const result = await promise;
  if (result.errors?.length || !result.data) throw new Error(`set-up call failed: ${JSON.stringify(result.errors)}`);
  return result.data;
}

/** A client places a direct order with two lots (print, web) through the API: OPEN at once. */
export async function placeOrder(server: TestServer, client: TestUser, title = "Brochures et site du salon"): Promise<{ gid: string; lots: string[] }> {
  const data = await ok(
    server.gql(
      SubmitDirectOrderDocument,
      {
        input: {
          kind: "DIRECT_ORDER",
          title,
          description: "Impression de 2 000 brochures et site vitrine.",
          submissionDeadline: new Date(Date.now() + 30 * 86400_000).toISOString(),
          lots: [
            { number: 1, title: "Impression", cpvCodes: ["79810000"], estimatedValue: 8000 },
            { number: 2, title: "Site web", cpvCodes: ["72413000"], estimatedValue: 12000 },
          ],
        },
      },
      client.token,
    ),
  );
  const order = data.submitDirectOrder;
  return { gid: order.id, lots: order.lots.map((l) => l.id) };
}

export interface Consortium {
  lead: TestUser;
  leadCoop: string;
  partner: TestUser;
  partnerCoop: string;
  officer: TestUser;
}

/**
 * A consortium answers the order through the API, as the bids feature expects: the officer
 * shortlists both cooperatives, the lead creates the bid, invites the partner, who accepts; lot 1
 * to the lead and lot 2 to the partner, priced; one memo section written and approved; submitted.
 */
export async function submitOffer(
  server: TestServer,
  c: Consortium,
  order: { gid: string; lots: string[] },
  memo = "Notre méthode: papier recyclé, site accessible.",
): Promise<{ bidId: string; leadMember: string; partnerMember: string; sectionId: string }> {
  for (const coop of [c.leadCoop, c.partnerCoop]) {
    await server.gql(ShortlistCooperativeDocument, { input: { tenderId: order.gid, cooperativeId: coop } }, c.officer.token);
  }
  const bid = (
    await ok(
      server.gql(
        CreateBidDocument,
        { input: { tenderId: order.gid, leadCooperativeId: c.leadCoop, groupType: "CONJOINT", title: "Groupement A + B" } },
        c.lead.token,
      ),
    )
  ).createBid;
  const leadMember = bid.members[0]!.id;
  const partnerMember = (await ok(server.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: c.partnerCoop } }, c.lead.token)))
    .inviteBidMember.id;
  await ok(server.gql(AnswerBidInvitationDocument, { input: { memberId: partnerMember, accept: true } }, c.partner.token));
  await ok(server.gql(AssignBidLotDocument, { input: { bidId: bid.id, lotId: order.lots[0]!, memberId: leadMember, expectedVersion: 0 } }, c.lead.token));
  await ok(server.gql(AssignBidLotDocument, { input: { bidId: bid.id, lotId: order.lots[1]!, memberId: partnerMember, expectedVersion: 0 } }, c.lead.token));
  await ok(
    server.gql(
      AddBidPriceLineDocument,
      { input: { bidId: bid.id, lotId: order.lots[0]!, memberId: leadMember, description: "Brochures A4", quantity: 2000, unitPrice: 1.5 } },
      c.lead.token,
    ),
  );
  await ok(
    server.gql(
      AddBidPriceLineDocument,
      { input: { bidId: bid.id, lotId: order.lots[1]!, memberId: partnerMember, description: "Site vitrine", quantity: 1, unitPrice: 9000 } },
      c.partner.token,
    ),
  );
  const section = (await ok(server.gql(AddBidSectionDocument, { input: { bidId: bid.id, title: "Méthodologie" } }, c.lead.token))).addBidSection;
  await ok(server.gql(ApplySectionUpdateDocument, { input: { sectionId: section.id, update: yUpdate(memo) } }, c.lead.token));
  let version = section.version;
  for (const status of ["IN_PROGRESS", "IN_REVIEW", "DONE"] as const) {
    version = (await ok(server.gql(UpdateBidSectionDocument, { input: { sectionId: section.id, expectedVersion: version, status } }, c.lead.token)))
      .updateBidSection.version;
  }
  await resubmit(server, c.lead, bid.id);
  return { bidId: bid.id, leadMember, partnerMember, sectionId: section.id };
}

/** The lead moves a draft to review and submits it. */
export async function resubmit(server: TestServer, lead: TestUser, bidId: string): Promise<void> {
  const current = (await ok(server.gql(BidDocument, { id: bidId }, lead.token))).bid;
  const review = (await ok(server.gql(TransitionBidDocument, { input: { bidId, status: "IN_REVIEW", expectedVersion: current!.version } }, lead.token)))
    .transitionBid;
  await ok(server.gql(SubmitBidDocument, { input: { bidId, expectedVersion: review.version } }, lead.token));
}
