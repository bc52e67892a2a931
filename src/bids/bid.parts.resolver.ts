import { Arg, Ctx, FieldResolver, ID, Int, Resolver, Root } from "type-graphql";
import { User } from "../auth/user.entity";
import type { Context } from "../context";
import { Cost } from "../common/cost";
import { toGlobalId } from "../common/node";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { encodeBase64, parseStateVector } from "./sections/section-crdt";
import { Lot } from "../tenders/tender.entity";
import { Y } from "./sections/yjs";
import { Bid, BidEvent, BidLotAssignment, BidMember, BidPriceLine, BidSection } from "./bid.entity";
import { lineTotalCents } from "./bid.totals";
import { SectionUpdatePayload } from "./bid.types";

/* The field resolvers of a bid's parts: members, lot assignments, sections, price lines, events. */

@Resolver(() => SectionUpdatePayload)
export class SectionUpdatePayloadResolver {
  @FieldResolver(() => BidSection, { description: "The section (loaded only when asked for)." })
  section(@Root() payload: SectionUpdatePayload, @Ctx() ctx: Context): Promise<BidSection> {
    return ctx.em.findOneOrFail(BidSection, { id: payload.sectionId });
  }
}

@Resolver(() => BidMember)
export class BidMemberResolver {
  @FieldResolver(() => Cooperative, { description: "The cooperative." })
  cooperative(@Root() member: BidMember, @Ctx() ctx: Context): Promise<Cooperative> {
    return ctx.em.findOneOrFail(Cooperative, { id: member.cooperative.id });
  }

  @FieldResolver(() => Bid, { description: "The bid." })
  bid(@Root() member: BidMember, @Ctx() ctx: Context): Promise<Bid> {
    return ctx.em.findOneOrFail(Bid, { id: member.bid.id });
  }
}

@Resolver(() => BidLotAssignment)
export class BidLotAssignmentResolver {
  @FieldResolver(() => Lot, { description: "The lot." })
  lot(@Root() assignment: BidLotAssignment, @Ctx() ctx: Context): Promise<Lot> {
    return ctx.em.findOneOrFail(Lot, { id: assignment.lot.id });
  }

  @FieldResolver(() => BidMember, { nullable: true, description: "The member that performs it; null when unassigned." })
  member(@Root() assignment: BidLotAssignment, @Ctx() ctx: Context): Promise<BidMember | null> {
    return assignment.member ? ctx.em.findOne(BidMember, { id: assignment.member.id }) : Promise.resolve(null);
  }
}

@Resolver(() => BidSection)
export class BidSectionResolver {
  @FieldResolver(() => User, { nullable: true, description: "The person in charge." })
  assignee(@Root() section: BidSection, @Ctx() ctx: Context): Promise<User | null> {
    return section.assignee ? ctx.em.findOne(User, { id: section.assignee.id }) : Promise.resolve(null);
  }

  @FieldResolver(() => User, { nullable: true, description: "The person who may approve the section (set it DONE) besides the lead; null when none is named." })
  reviewer(@Root() section: BidSection, @Ctx() ctx: Context): Promise<User | null> {
    return section.reviewer ? ctx.em.findOne(User, { id: section.reviewer.id }) : Promise.resolve(null);
  }

  @Cost(20)
  @FieldResolver(() => String, { description: "Plain-text projection of the section's document, as of now." })
  async text(@Root() section: BidSection, @Ctx() ctx: Context): Promise<string> {
    const entry = await ctx.loaders.sectionDoc.load(section.id);
    return entry?.text ?? "";
  }

  @Cost(20)
  @FieldResolver(() => String, {
    description: 'Base64 of the full Yjs state (Y.encodeStateAsUpdate) of the section\'s document; apply it to a Y.Doc and read `getText("content")`.',
  })
  async state(@Root() section: BidSection, @Ctx() ctx: Context): Promise<string> {
    const entry = await ctx.loaders.sectionDoc.load(section.id);
    return encodeBase64(entry?.state ?? Y.encodeStateAsUpdate(new Y.Doc()));
  }

  @Cost(20)
  @FieldResolver(() => String, { description: "Base64 Yjs update with what a client lacks, given its state vector." })
  async diff(
    @Root() section: BidSection,
    @Arg("stateVector", { description: "Base64 of the client's Y.encodeStateVector(doc)." }) stateVector: string,
    @Ctx() ctx: Context,
  ): Promise<string> {
    const vector = parseStateVector("stateVector", stateVector);
    const entry = await ctx.loaders.sectionDoc.load(section.id);
    return encodeBase64(entry ? entry.diff(vector) : Y.encodeStateAsUpdate(new Y.Doc()));
  }

  @Cost(20)
  @FieldResolver(() => String, {
    description:
      "Base64 of the state vector (Y.encodeStateVector) of the section's document as committed: send what it lacks with applySectionUpdate (the periodic sync exchange).",
  })
  async stateVector(@Root() section: BidSection, @Ctx() ctx: Context): Promise<string> {
    const entry = await ctx.loaders.sectionDoc.load(section.id);
    return encodeBase64(entry ? entry.stateVector : Y.encodeStateVector(new Y.Doc()));
  }

  @Cost(20)
  @FieldResolver(() => Int, {
    description:
      "Seq of the last text update included in `state`, `diff` and `text`: subscribe to `bidEvents` after it (or earlier: updates apply idempotently).",
  })
  async seq(@Root() section: BidSection, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.sectionDoc.load(section.id))?.seq ?? 0;
  }

  @FieldResolver(() => Bid, { description: "The bid." })
  bid(@Root() section: BidSection, @Ctx() ctx: Context): Promise<Bid> {
    return ctx.em.findOneOrFail(Bid, { id: section.bid.id });
  }
}

@Resolver(() => BidPriceLine)
export class BidPriceLineResolver {
  @FieldResolver(() => Lot, { description: "The lot priced." })
  lot(@Root() line: BidPriceLine, @Ctx() ctx: Context): Promise<Lot> {
    return ctx.em.findOneOrFail(Lot, { id: line.lot.id });
  }

  @FieldResolver(() => BidMember, { description: "The member the line belongs to." })
  member(@Root() line: BidPriceLine, @Ctx() ctx: Context): Promise<BidMember> {
    return ctx.em.findOneOrFail(BidMember, { id: line.member.id });
  }

  @FieldResolver(() => Number, { description: "Unit price in euros excluding tax." })
  unitPrice(@Root() line: BidPriceLine): number {
    return line.unitPriceCents / 100;
  }

  @FieldResolver(() => Number, { description: "Quantity times unit price, rounded to the cent, in euros excluding tax." })
  total(@Root() line: BidPriceLine): number {
    return lineTotalCents(line) / 100;
  }
}

@Resolver(() => BidEvent)
export class BidEventResolver {
  @FieldResolver(() => ID, { nullable: true, description: "Global id of the person who made the change." })
  actorId(@Root() event: BidEvent): string | null {
    return event.actor ? toGlobalId("User", event.actor.id) : null;
  }

  @FieldResolver(() => Bid, { description: "The bid." })
  bid(@Root() event: BidEvent, @Ctx() ctx: Context): Promise<Bid> {
    return ctx.em.findOneOrFail(Bid, { id: event.bid.id });
  }
}
