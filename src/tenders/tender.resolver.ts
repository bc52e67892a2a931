import type { GraphQLResolveInfo } from "graphql";
import { wrap } from "@mikro-orm/core";
import { Arg, Args, Authorized, Ctx, Field, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root, Subscription } from "type-graphql";
import { ApiScope, PlatformRole } from "../auth/roles";
import { Scopes } from "../auth/scopes";
import { User } from "../auth/user.entity";
import { isStaff } from "../auth/viewer";
import { Connection } from "../common/pagination";
import { cpvLabel } from "../common/reference/reference";
import { requestsField } from "../common/selection";
import { Bid } from "../bids/bid.entity";
import { Cooperative } from "../cooperatives/cooperative.entity";
import type { Context } from "../context";
import { subscribe } from "../realtime/bus";
import { importNoticeAs } from "./import.service";
import { alertDepsOf } from "../alerts/alert.match";
import { recordOutcome } from "./outcome.service";
import * as shortlist from "./shortlist.service";
import { Lot, Outcome, ShortlistEntry, Tender } from "./tender.entity";
import { ImportStatus } from "./tender.enums";
import { AnswerInvitationInput, CreateTenderInput, OutcomeInput, ShortlistInput, TendersArgs, UpdateTenderInput } from "./tender.inputs";
import { acceptsBids } from "./tender.lifecycle";
import { canOnTender } from "./tender.policy";
import * as queries from "./tender.queries";
import * as service from "./tender.usecases";
import { viewerIsOrderClient } from "../clients/client.access";

export const TenderConnection = Connection(Tender, "Tender", "tender");

@ObjectType({ description: "What importing one eForms notice did." })
export class ImportNoticeResult {
  @Field(() => ImportStatus, { description: "Created, updated or unchanged." })
  status!: ImportStatus;

  @Field(() => Tender, { description: "The tender the notice created or updated." })
  tender!: Tender;

  @Field({ description: "eForms notice id (BT-701)." })
  noticeId!: string;

  @Field({ description: "Notice version (BT-757)." })
  version!: string;

  @Field({ description: "What the notice is: PRIOR_INFORMATION, CONTRACT_NOTICE, CONTRACT_AWARD or CHANGE." })
  noticeKind!: string;
}

@ObjectType({ description: "A recorded outcome and the tender it awarded." })
export class RecordOutcomePayload {
  @Field(() => Outcome, { description: "The outcome." })
  outcome!: Outcome;

  @Field(() => Tender, { description: "The tender: AWARDED once every lot is decided, CLOSED until then." })
  tender!: Tender;
}

const STAFF_RULES = [PlatformRole.ADMIN, PlatformRole.MISSION_OFFICER];

@Resolver(() => Tender)
export class TenderResolver {
  @Authorized()
  @Scopes(ApiScope.READ)
  @Query(() => Tender, {
    nullable: true,
    description:
      "One tender or direct order by id. Null, with a NOT_FOUND error at this path, when there is none or the viewer may not see it: the rest of the answer stands.",
  })
  tender(@Arg("id", () => ID, { description: "Global id." }) id: string, @Ctx() ctx: Context): Promise<Tender | null> {
    return queries.loadTender(ctx, id);
  }

  @Authorized()
  @Scopes(ApiScope.READ)
  @Query(() => TenderConnection, {
    description:
      "The tenders and orders the viewer may see, filtered, sorted and paged: staff see everything published and their drafts; members published tenders and calls (and orders their cooperative is invited to); clients their own orders.",
  })
  tenders(@Args(() => TendersArgs) args: TendersArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return queries.listTenders(ctx, args, requestsField(info, "totalCount"));
  }

  @FieldResolver(() => [Lot], { description: "The lots, by number." })
  lots(@Root() tender: Tender, @Ctx() ctx: Context): Promise<Lot[]> {
    return ctx.loaders.lotsByTender.load(tender.id);
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: "The client account that placed a direct order: visible to staff and the people of the order's client organisation; null otherwise.",
  })
  async client(@Root() tender: Tender, @Ctx() ctx: Context): Promise<User | null> {
    if (!tender.client) return null;
    if (!isStaff(ctx.viewer) && !(await viewerIsOrderClient(ctx.em, ctx.viewer, tender.id))) return null;
    return ctx.em.findOne(User, { id: tender.client.id });
  }

  @FieldResolver(() => User, { nullable: true, description: "The mission officer following the tender; visible to staff." })
  async assignedOfficer(@Root() tender: Tender, @Ctx() ctx: Context): Promise<User | null> {
    if (!tender.assignedOfficer || !isStaff(ctx.viewer)) return null;
    return ctx.em.findOne(User, { id: tender.assignedOfficer.id });
  }

  @FieldResolver(() => Boolean, { description: "Whether the tender takes new bids now: OPEN and before its submission deadline." })
  acceptsBids(@Root() tender: Tender): boolean {
    return acceptsBids(tender, new Date());
  }

  @FieldResolver(() => Boolean, { description: "Whether the viewer may edit the tender and move it through its lifecycle." })
  viewerCanEdit(@Root() tender: Tender, @Ctx() ctx: Context): boolean {
    return canOnTender(ctx.viewer, "edit", queries.tenderFacts(tender));
  }

  @FieldResolver(() => [ShortlistEntry], {
    description: "The preselected cooperatives with their answers: all of them for staff, only their own cooperatives' for members, none for others.",
  })
  shortlist(@Root() tender: Tender, @Ctx() ctx: Context): Promise<ShortlistEntry[]> {
    return shortlist.visibleShortlist(ctx, tender);
  }

  @FieldResolver(() => Outcome, {
    nullable: true,
    deprecationReason: "Since 2026-12-06 a tender has one outcome per lot: use `outcomes`.",
    description: "The latest recorded outcome, for staff; null when none or for others.",
  })
  async outcome(@Root() tender: Tender, @Ctx() ctx: Context): Promise<Outcome | null> {
    if (!isStaff(ctx.viewer)) return null;
    const outcomes = await ctx.loaders.outcomesByTender.load(tender.id);
    return outcomes.reduce<Outcome | null>((latest, o) => (!latest || o.awardedAt >= latest.awardedAt ? o : latest), null);
  }

  @FieldResolver(() => [Outcome], {
    description:
      "The outcome of each awarded lot, for staff (empty for others): which bid of the platform or which outside company won it, for how much: the competitive intelligence of the officers. By lot number, then award date.",
  })
  async outcomes(@Root() tender: Tender, @Ctx() ctx: Context): Promise<Outcome[]> {
    if (!isStaff(ctx.viewer)) return [];
    return ctx.loaders.outcomesByTender.load(tender.id);
  }

  @Authorized(...STAFF_RULES)
  @Mutation(() => Tender, { description: "Creates a tender, call for projects or direct order as a DRAFT (officers and admins)." })
  createTender(@Arg("input", () => CreateTenderInput, { description: "The tender." }) input: CreateTenderInput, @Ctx() ctx: Context) {
    return service.createTender(ctx, input);
  }

  @Authorized(PlatformRole.CLIENT)
  @Mutation(() => Tender, { description: "A client submits a direct order (kind DIRECT_ORDER): it is OPEN at once, seen by the client and the staff." })
  submitDirectOrder(
    @Arg("input", () => CreateTenderInput, { description: "The order; `kind` must be DIRECT_ORDER." }) input: CreateTenderInput,
    @Ctx() ctx: Context,
  ) {
    return service.submitDirectOrder(ctx, input);
  }

  @Authorized(...STAFF_RULES)
  @Mutation(() => Tender, { description: "Edits a DRAFT or OPEN tender (officers and admins)." })
  updateTender(
    @Arg("id", () => ID, { description: "Global id." }) id: string,
    @Arg("input", () => UpdateTenderInput, { description: "The changes." }) input: UpdateTenderInput,
    @Ctx() ctx: Context,
  ) {
    return service.updateTender(ctx, id, input);
  }

  @Authorized(...STAFF_RULES)
  @Mutation(() => Tender, { description: "Publishes a DRAFT: it becomes OPEN (INVALID_STATE from any other state)." })
  publishTender(@Arg("id", () => ID, { description: "Global id." }) id: string, @Ctx() ctx: Context) {
    return service.publishTender(ctx, id);
  }

  @Authorized(...STAFF_RULES)
  @Mutation(() => Tender, { description: "Closes an OPEN tender to bids (INVALID_STATE from any other state)." })
  closeTender(@Arg("id", () => ID, { description: "Global id." }) id: string, @Ctx() ctx: Context) {
    return service.closeTender(ctx, id);
  }

  @Authorized(PlatformRole.ADMIN, PlatformRole.MISSION_OFFICER, PlatformRole.CLIENT)
  @Mutation(() => Tender, { description: "Cancels a DRAFT, OPEN or CLOSED tender: staff, or the client of a direct order." })
  cancelTender(@Arg("id", () => ID, { description: "Global id." }) id: string, @Ctx() ctx: Context) {
    return service.cancelTender(ctx, id);
  }

  @Authorized(...STAFF_RULES)
  @Mutation(() => Tender, { description: "Assigns the mission officer who follows the tender (null to unassign)." })
  assignTenderOfficer(
    @Arg("id", () => ID, { description: "The tender." }) id: string,
    @Arg("officerId", () => ID, { nullable: true, description: "The officer or admin; null to unassign." }) officerId: string | null,
    @Ctx() ctx: Context,
  ) {
    return service.assignOfficer(ctx, id, officerId ?? null);
  }

  @Authorized(PlatformRole.ADMIN, PlatformRole.MISSION_OFFICER)
  @Scopes(ApiScope.IMPORT_NOTICES)
  @Mutation(() => ImportNoticeResult, {
    description:
      "Imports one eForms notice (officers, admins, API tokens with IMPORT_NOTICES). Contract and prior information notices create or update a tender, change notices update the tender they change, award notices record the results. Idempotent by notice id and version. Bad XML is BAD_USER_INPUT on `xml`, and nothing is written.",
  })
  async importNotice(
    @Arg("xml", () => String, { description: "The notice's XML (UTF-8, up to 5 MB)." }) xml: string,
    @Ctx() ctx: Context,
  ): Promise<ImportNoticeResult> {
    const result = await importNoticeAs(ctx.viewer, ctx.em, xml, { commissionRate: ctx.app.config.commissionRate, alerts: alertDepsOf(ctx.app) });
    return { status: result.status, tender: result.tender, noticeId: result.notice.noticeId, version: result.notice.version, noticeKind: result.notice.kind };
  }

  @Authorized(...STAFF_RULES)
  @Mutation(() => ShortlistEntry, { description: "Shortlists a cooperative for an OPEN tender, which invites it; again, it only updates the note." })
  shortlistCooperative(@Arg("input", () => ShortlistInput, { description: "Tender, cooperative and note." }) input: ShortlistInput, @Ctx() ctx: Context) {
    return shortlist.shortlistCooperative(ctx, input);
  }

  @Authorized(PlatformRole.MEMBER)
  @Mutation(() => ShortlistEntry, { description: "A member answers an invitation for their cooperative: INTERESTED or DECLINED." })
  answerInvitation(@Arg("input", () => AnswerInvitationInput, { description: "Invitation and answer." }) input: AnswerInvitationInput, @Ctx() ctx: Context) {
    return shortlist.answerInvitation(ctx, input);
  }

  @Authorized(...STAFF_RULES)
  @Mutation(() => RecordOutcomePayload, {
    description:
      "Records the outcome of one lot of a CLOSED tender or order (or corrects it, also once AWARDED): won by a submitted bid on this tender that answered the lot, or lost to an outside company. The bids' results (per lot, and WON/LOST overall) are written to their logs in the same transaction; the tender becomes AWARDED once every lot is decided. The commission is computed at the configured rate.",
  })
  recordTenderOutcome(
    @Arg("tenderId", () => ID, { description: "The tender or order." }) tenderId: string,
    @Arg("input", () => OutcomeInput, { description: "The outcome." }) input: OutcomeInput,
    @Ctx() ctx: Context,
  ) {
    return recordOutcome({ em: ctx.em, viewer: ctx.viewer, loaders: ctx.loaders, commissionRate: ctx.app.config.commissionRate }, tenderId, input);
  }

  @Authorized(PlatformRole.MEMBER)
  @Subscription(() => ShortlistEntry, {
    description: "New invitations (shortlistings) of the viewer's cooperatives, live.",
    subscribe: ({ context }) => {
      const ctx = context as Context;
      return subscribe<shortlist.InvitationEvent>(ctx.app.bus, shortlist.INVITATIONS_CHANNEL, (event) =>
        // Membership is checked per event, on a fresh entity manager: a member who left stops receiving.
        shortlist.isMemberOf(ctx.app.orm.em.fork(), ctx.viewer, event.cooperativeId),
      );
    },
  })
  async invitations(@Root() event: shortlist.InvitationEvent, @Ctx() ctx: Context): Promise<ShortlistEntry> {
    const em = ctx.app.orm.em.fork();
    return em.findOneOrFail(ShortlistEntry, { id: event.entryId }, { populate: ["tender", "cooperative"] });
  }
}

@Resolver(() => Lot)
export class LotResolver {
  @FieldResolver(() => [String], { description: "French labels of the CPV codes, in the order of `cpvCodes` (empty string when unknown)." })
  cpvLabels(@Root() lot: Lot): string[] {
    return lot.cpvCodes.map((c) => cpvLabel(c) ?? "");
  }
}

@Resolver(() => ShortlistEntry)
export class ShortlistEntryResolver {
  @FieldResolver(() => Tender, { description: "The tender." })
  async tender(@Root() entry: ShortlistEntry, @Ctx() ctx: Context): Promise<Tender> {
    return wrap(entry.tender).isInitialized() ? entry.tender : ctx.em.findOneOrFail(Tender, { id: entry.tender.id });
  }

  @FieldResolver(() => Cooperative, { description: "The cooperative invited." })
  async cooperative(@Root() entry: ShortlistEntry, @Ctx() ctx: Context): Promise<Cooperative> {
    if (wrap(entry.cooperative).isInitialized()) return entry.cooperative;
    return (await ctx.loaders.cooperativeById.load(entry.cooperative.id)) as Cooperative;
  }
}

@Resolver(() => Outcome)
export class OutcomeResolver {
  @FieldResolver(() => [Cooperative], { description: "The member cooperatives among the winners: the accepted members of the winning bid (empty when lost)." })
  async winners(@Root() outcome: Outcome, @Ctx() ctx: Context): Promise<Cooperative[]> {
    const all = await ctx.loaders.cooperativeById.loadMany(outcome.winnerIds);
    return all.filter((c): c is Cooperative => c instanceof Cooperative);
  }

  @FieldResolver(() => Lot, {
    nullable: true,
    description: "The lot awarded; null for a tender without lots (or an outcome recorded before outcomes were per lot).",
  })
  async lot(@Root() outcome: Outcome, @Ctx() ctx: Context): Promise<Lot | null> {
    if (!outcome.lot) return null;
    return wrap(outcome.lot).isInitialized() ? outcome.lot : ctx.em.findOne(Lot, { id: outcome.lot.id });
  }

  @FieldResolver(() => Bid, { nullable: true, description: "The winning bid of the platform; null when an outside company won (see `winnerName`)." })
  async bid(@Root() outcome: Outcome, @Ctx() ctx: Context): Promise<Bid | null> {
    return outcome.bid ? ctx.em.findOne(Bid, { id: outcome.bid.id }) : null;
  }
}
