import "reflect-metadata";
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from "graphql";
import { buildSchema as buildTypeGraphQLSchema, type ClassType, type NonEmptyArray, type PubSub } from "type-graphql";
import { authChecker } from "./auth/auth-checker";
import { AuthResolver } from "./auth/auth.resolver";
import { SessionResolver } from "./auth/session.resolver";
import { SignUpResolver } from "./auth/signup.resolver";
import { NodeResolver } from "./common/node.resolver";
import { CooperativeResolver, MembershipResolver } from "./cooperatives/cooperative.resolver";
import { CooperativeInvitationResolver, CooperativeInvitationsResolver } from "./cooperatives/invitation.resolver";
import { CooperativeVerificationResolver } from "./cooperatives/cooperative.verification.resolver";
import { LotResolver, OutcomeResolver, ShortlistEntryResolver, TenderResolver } from "./tenders/tender.resolver";
import { StatsResolver } from "./stats/stats.resolver";
import { CommuneResolver, DepartmentResolver, PlaceFieldsResolver, PlaceResolver, RegionResolver } from "./places/place.resolver";
import { SavedSearchResolver, UserSavedSearchesResolver } from "./alerts/saved-search.resolver";
import { BidOutcomeResolver } from "./tenders/outcome.resolver";
import { BidExportResolver } from "./bids/exports/export.resolver";
import { CompletionResolver, CooperativeMatchingResolver, OpportunitySubscriptionResolver, TenderMatchingResolver } from "./matching/matching.resolver";
import { BidResolver, CooperativeBidsResolver, TenderBidsResolver } from "./bids/bid.resolver";
import {
  BidEventResolver,
  BidLotAssignmentResolver,
  BidMemberResolver,
  BidPriceLineResolver,
  BidSectionResolver,
  SectionUpdatePayloadResolver,
} from "./bids/bid.parts.resolver";
import { BID_EVENTS_SHARED } from "./bids/live/bid.live";
import { SectionLiveResolver } from "./bids/sections/section.resolver";
import { SECTION_UPDATES_SHARED } from "./bids/sections/section.live";
import { BidConversationResolver, ConversationMessageResolver, ConversationResolver, TenderConversationResolver } from "./conversations/conversation.resolver";
import { NotificationResolver, UserInboxResolver } from "./notifications/notification.resolver";
import type { SharedSubscription } from "./realtime/shared-execution";
import { BidClientAnswersResolver, ClientOrganisationResolver, OfferResolver, TenderOffersResolver } from "./clients/client.resolver";
import { MineResolver } from "./mine/mine.resolver";
import "./nodes";
import "./files/file.nodes";
import { BidAttachmentResolver, BidAttachmentsResolver, TenderDocumentResolver, TenderDocumentsResolver } from "./files/file.resolver";

export const RESOLVERS: NonEmptyArray<ClassType> = [
  AuthResolver,
  SessionResolver,
  SignUpResolver,
  NodeResolver,
  CooperativeResolver,
  CooperativeVerificationResolver,
  MembershipResolver,
  CooperativeInvitationResolver,
  CooperativeInvitationsResolver,
  TenderResolver,
  LotResolver,
  ShortlistEntryResolver,
  OutcomeResolver,
  BidOutcomeResolver,
  BidExportResolver,
  StatsResolver,
  PlaceResolver,
  PlaceFieldsResolver,
  RegionResolver,
  DepartmentResolver,
  CommuneResolver,
  SavedSearchResolver,
  UserSavedSearchesResolver,
  TenderMatchingResolver,
  CooperativeMatchingResolver,
  OpportunitySubscriptionResolver,
  CompletionResolver,
  BidResolver,
  BidMemberResolver,
  BidLotAssignmentResolver,
  BidSectionResolver,
  BidPriceLineResolver,
  BidEventResolver,
  TenderBidsResolver,
  CooperativeBidsResolver,
  SectionUpdatePayloadResolver,
  ConversationResolver,
  ConversationMessageResolver,
  TenderConversationResolver,
  BidConversationResolver,
  UserInboxResolver,
  NotificationResolver,
  ClientOrganisationResolver,
  OfferResolver,
  TenderOffersResolver,
  BidClientAnswersResolver,
  MineResolver,
  TenderDocumentResolver,
  TenderDocumentsResolver,
  BidAttachmentResolver,
  BidAttachmentsResolver,
  SectionLiveResolver,
];

/** Subscriptions whose per-event results subscribers share (see realtime/shared-execution.ts). */
export const SHARED_SUBSCRIPTIONS: readonly SharedSubscription[] = [BID_EVENTS_SHARED, SECTION_UPDATES_SHARED];

/** type-graphql gives the root types no description; integrators read them first. */
function describeRoots(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  if (query) query.description = "Reads: the cooperative directory, tenders, matches, bids and figures.";
  if (mutation) mutation.description = "Changes; each one is authorized, validated and atomic.";
  if (subscription) subscription.description = "Live streams over WebSocket (graphql-ws, same path `/graphql`).";
  return schema;
}

/**
 * Subscriptions stream from the PostgreSQL bus (src/realtime/bus.ts) through their own
 * `subscribe` functions; type-graphql insists on a pubSub, which must never be used.
 */
const NO_TOPICS: PubSub = {
  publish() {
    throw new Error("Publish through the PostgreSQL bus (src/realtime/bus.ts), not type-graphql topics.");
  },
  subscribe() {
    throw new Error("Subscribe through the PostgreSQL bus (src/realtime/bus.ts), not type-graphql topics.");
  },
};

let built: Promise<GraphQLSchema> | null = null;

/** The schema, built once per process from the decorated classes. */
export function buildSchema(): Promise<GraphQLSchema> {
  built ??= buildTypeGraphQLSchema({
    resolvers: RESOLVERS,
    authChecker,
    authMode: "error",
    pubSub: NO_TOPICS,
    validate: false,
  }).then(describeRoots);
  return built;
}

/** The SDL committed as `schema/schema.graphql`, sorted so that diffs stay readable. */
export async function printSdl(): Promise<string> {
  const header = "# Generated by `npm run schema` from the type-graphql classes. Do not edit.\n\n";
  return header + printSchema(lexicographicSortSchema(await buildSchema())) + "\n";
}
