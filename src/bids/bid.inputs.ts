import { ArgsType, Field, Float, ID, InputType, Int } from "type-graphql";
import { PageArgs } from "../common/pagination";
import { BidGroupType, BidMemberRole, BidStatus, SectionStatus } from "./bid.enums";

const CMID =
  "Optional id chosen by the client (1-100 characters, unique per bid): a retry with the same id and the same input returns the first result and changes nothing; the same id with another input is a CONFLICT.";
const EXPECTED = "The version the client last saw; a stale one gets CONFLICT with the current state in `extensions.current`.";

@InputType({ description: "A new consortium bid, led by one of the viewer's cooperatives." })
export class CreateBidInput {
  @Field(() => ID, { description: "The tender bid on; it must be OPEN and before its deadline." })
  tenderId!: string;

  @Field(() => ID, { description: "The lead cooperative (mandataire): one of the viewer's; it may lead one bid per tender." })
  leadCooperativeId!: string;

  @Field(() => BidGroupType, { description: "Legal form of the group; any form may bid (a form the buyer requires applies once awarded)." })
  groupType!: BidGroupType;

  @Field(() => String, { nullable: true, description: "Working title (1-300 characters); defaults to the tender's title." })
  title?: string | null;

  @Field(() => [ID], {
    nullable: true,
    description:
      "The lots of the tender the bid answers (at least one, at most the tender's `maxLotsPerTenderer`). Default: every lot when the tender allows one tenderer all of them, none otherwise (then declare them with `setBidLots` before submitting).",
  })
  lotIds?: string[] | null;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "Changes to a bid's own fields; absent fields stay as they are." })
export class UpdateBidInput {
  @Field(() => ID, { description: "The bid." })
  bidId!: string;

  @Field(() => Int, { description: EXPECTED })
  expectedVersion!: number;

  @Field(() => String, { nullable: true, description: "Working title (1-300 characters)." })
  title?: string | null;

  @Field(() => BidGroupType, { nullable: true, description: "Legal form of the group (DRAFT only)." })
  groupType?: BidGroupType | null;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "The lots a bid answers (lead only, DRAFT only); lots dropped are released from their members." })
export class SetBidLotsInput {
  @Field(() => ID, { description: "The bid." })
  bidId!: string;

  @Field(() => [ID], { description: "Lots of the bid's tender: at least one, at most the tender's `maxLotsPerTenderer`; replaces the list." })
  lotIds!: string[];

  @Field(() => Int, { description: `${EXPECTED} The bid's version.` })
  expectedVersion!: number;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "A lifecycle transition of a bid." })
export class TransitionBidInput {
  @Field(() => ID, { description: "The bid." })
  bidId!: string;

  @Field(() => BidStatus, { description: "The new status; SUBMITTED runs the submission checks (as `submitBid`)." })
  status!: BidStatus;

  @Field(() => Int, { description: EXPECTED })
  expectedVersion!: number;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "Submitting a bid: checks completeness, freezes composition and content, keeps a snapshot." })
export class SubmitBidInput {
  @Field(() => ID, { description: "The bid, IN_REVIEW." })
  bidId!: string;

  @Field(() => Int, { description: EXPECTED })
  expectedVersion!: number;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "Inviting a cooperative into the group (lead only, DRAFT only)." })
export class InviteBidMemberInput {
  @Field(() => ID, { description: "The bid." })
  bidId!: string;

  @Field(() => ID, { description: "The cooperative invited." })
  cooperativeId!: string;

  @Field(() => BidMemberRole, { nullable: true, description: "MEMBER (default) or SUBCONTRACTOR." })
  role?: BidMemberRole | null;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "An invited cooperative's answer." })
export class AnswerBidInvitationInput {
  @Field(() => ID, { description: "The membership (BidMember) of the viewer's cooperative." })
  memberId!: string;

  @Field({ description: "True to accept, false to decline." })
  accept!: boolean;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "Removing a cooperative from the group (lead only, DRAFT only); its people lose access at once." })
export class RemoveBidMemberInput {
  @Field(() => ID, { description: "The membership (BidMember) removed." })
  memberId!: string;

  @Field(() => Int, { description: EXPECTED })
  expectedVersion!: number;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "Assigning a lot of the tender to a member of the group, or unassigning it." })
export class AssignLotInput {
  @Field(() => ID, { description: "The bid." })
  bidId!: string;

  @Field(() => ID, { description: "A lot of the bid's tender." })
  lotId!: string;

  @Field(() => ID, { nullable: true, description: "The member (BidMember) that performs the lot; null to unassign." })
  memberId?: string | null;

  @Field(() => Int, { description: `${EXPECTED} 0 for a lot never assigned.` })
  expectedVersion!: number;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "A new section of the technical memo." })
export class AddSectionInput {
  @Field(() => ID, { description: "The bid." })
  bidId!: string;

  @Field({ description: "Title (1-300 characters)." })
  title!: string;

  @Field(() => Int, { nullable: true, description: "Position (0-10,000); defaults to after the last section." })
  position?: number | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "The person (User) in charge; one of the people of the group's cooperatives. A member other than the lead may only name one of its own people (the default for them is the viewer).",
  })
  assigneeId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "The person (User) who may approve the section besides the lead; one of the people of the group's cooperatives.",
  })
  reviewerId?: string | null;

  @Field(() => String, { nullable: true, description: "When the section should be ready, as YYYY-MM-DD." })
  dueDate?: string | null;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "Changes to a section's metadata; absent fields stay as they are. The text changes through `applySectionUpdate`." })
export class UpdateSectionInput {
  @Field(() => ID, { description: "The section." })
  sectionId!: string;

  @Field(() => Int, { description: EXPECTED })
  expectedVersion!: number;

  @Field(() => String, { nullable: true, description: "Title (1-300 characters)." })
  title?: string | null;

  @Field(() => Int, { nullable: true, description: "Position (0-10,000)." })
  position?: number | null;

  @Field(() => ID, { nullable: true, description: "The person in charge; set `clearAssignee` to remove it." })
  assigneeId?: string | null;

  @Field(() => Boolean, { nullable: true, description: "True to leave the section without anyone in charge." })
  clearAssignee?: boolean | null;

  @Field(() => ID, { nullable: true, description: "The reviewer (lead only); set `clearReviewer` to remove it." })
  reviewerId?: string | null;

  @Field(() => Boolean, { nullable: true, description: "True to leave the section without a named reviewer (lead only)." })
  clearReviewer?: boolean | null;

  @Field(() => String, { nullable: true, description: "Due date, YYYY-MM-DD; set `clearDueDate` to remove it." })
  dueDate?: string | null;

  @Field(() => Boolean, { nullable: true, description: "True to remove the due date." })
  clearDueDate?: boolean | null;

  @Field(() => SectionStatus, {
    nullable: true,
    description:
      "Progress: TODO → IN_PROGRESS → IN_REVIEW → DONE (DONE by the lead or the reviewer, with a text); IN_REVIEW → IN_PROGRESS when changes are requested.",
  })
  status?: SectionStatus | null;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "Removing a section." })
export class RemoveSectionInput {
  @Field(() => ID, { description: "The section." })
  sectionId!: string;

  @Field(() => Int, { description: EXPECTED })
  expectedVersion!: number;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "Text typed in a section: a Yjs update of the section's document (Y.Text `content`)." })
export class ApplySectionUpdateInput {
  @Field(() => ID, { description: "The section." })
  sectionId!: string;

  @Field({ description: "Base64 (standard, padded) of a Yjs update (v1 encoding), at most 64 KiB decoded." })
  update!: string;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "A new price line." })
export class AddPriceLineInput {
  @Field(() => ID, { description: "The bid." })
  bidId!: string;

  @Field(() => ID, { description: "A lot of the bid's tender." })
  lotId!: string;

  @Field(() => ID, { description: "The member (BidMember) the line belongs to." })
  memberId!: string;

  @Field({ description: "What is priced (1-500 characters)." })
  description!: string;

  @Field(() => Float, { description: "Quantity, more than 0 and at most 1,000,000, up to 3 decimals." })
  quantity!: number;

  @Field(() => Float, { description: "Unit price in euros excluding tax, 0 to 10,000,000, up to 2 decimals." })
  unitPrice!: number;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "Changes to a price line; absent fields stay as they are." })
export class UpdatePriceLineInput {
  @Field(() => ID, { description: "The price line." })
  priceLineId!: string;

  @Field(() => Int, { description: EXPECTED })
  expectedVersion!: number;

  @Field(() => ID, { nullable: true, description: "A lot of the bid's tender." })
  lotId?: string | null;

  @Field(() => ID, { nullable: true, description: "The member the line belongs to." })
  memberId?: string | null;

  @Field(() => String, { nullable: true, description: "What is priced (1-500 characters)." })
  description?: string | null;

  @Field(() => Float, { nullable: true, description: "Quantity, more than 0 and at most 1,000,000, up to 3 decimals." })
  quantity?: number | null;

  @Field(() => Float, { nullable: true, description: "Unit price in euros excluding tax, up to 2 decimals." })
  unitPrice?: number | null;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "Removing a price line." })
export class RemovePriceLineInput {
  @Field(() => ID, { description: "The price line." })
  priceLineId!: string;

  @Field(() => Int, { description: EXPECTED })
  expectedVersion!: number;

  @Field(() => String, { nullable: true, description: CMID })
  clientMutationId?: string | null;
}

@InputType({ description: "A presence heartbeat: the viewer is online in the bid, on a section or none." })
export class BidPresenceInput {
  @Field(() => ID, { description: "The bid." })
  bidId!: string;

  @Field(() => ID, { nullable: true, description: "The section the viewer is on, if any." })
  sectionId?: string | null;

  @Field(() => Boolean, { nullable: true, description: "True when leaving: the viewer disappears at once instead of at the end of the time-to-live." })
  leaving?: boolean | null;
}

@InputType({ description: "Which bids to list." })
export class BidFilter {
  @Field(() => ID, { nullable: true, description: "Only the bids on this tender." })
  tenderId?: string | null;

  @Field(() => ID, { nullable: true, description: "Only the bids this cooperative leads or is invited to or part of." })
  cooperativeId?: string | null;

  @Field(() => [BidStatus], { nullable: true, description: "Only bids in these statuses." })
  status?: BidStatus[] | null;
}

@ArgsType()
export class BidsArgs extends PageArgs {
  @Field(() => BidFilter, { nullable: true, description: "Filters; all must match." })
  filter?: BidFilter | null;
}

@ArgsType()
export class BidEventsPageArgs extends PageArgs {
  @Field(() => Int, { nullable: true, description: "Only events after this seq (an alternative to `after`); 0 for the start." })
  afterSeq?: number | null;
}
