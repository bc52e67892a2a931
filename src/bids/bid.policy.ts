import { ForbiddenError, NotFoundError } from "../common/errors";
import { BidMemberStatus } from "./bid.enums";

/** What the viewer has to do with one bid, gathered by the service, so that the rules stay pure. */
export interface BidAccess {
  /** Admin or mission officer: reads every bid, edits none. */
  staff: boolean;
  /** The viewer's cooperatives in the bid that are INVITED or ACCEPTED (their member ids). */
  activeMemberIds: string[];
  /** One of the viewer's cooperatives is the lead (mandataire). */
  lead: boolean;
}

export const NO_ACCESS: BidAccess = { staff: false, activeMemberIds: [], lead: false };

export type BidAction = "read" | "edit" | "lead";

/** Statuses of a member whose people see and co-edit the bid. */
export const ACTIVE_MEMBER_STATUSES: readonly BidMemberStatus[] = [BidMemberStatus.INVITED, BidMemberStatus.ACCEPTED];

/**
 * - read: the people of the bid's invited or accepted cooperatives, mission officers and admins;
 * - edit (sections, prices, assignments): the people of the invited or accepted cooperatives;
 * - lead (invite, remove, submit, change status): the people of the lead cooperative.
 * Everyone else, a competitor bidding on the same tender above all, is told the bid does not exist.
 */
export function canOnBid(access: BidAccess, action: BidAction): boolean {
  const member = access.activeMemberIds.length > 0;
  switch (action) {
    case "read":
      return access.staff || member;
    case "edit":
      return member;
    case "lead":
      return access.lead;
  }
}

/** NOT_FOUND when the viewer may not read the bid (exactly as for a missing one), FORBIDDEN otherwise. */
export function authorizeBid(access: BidAccess, action: BidAction, globalId?: string): void {
  if (!canOnBid(access, "read")) throw new NotFoundError("Bid", globalId);
  if (action === "lead" && !canOnBid(access, "lead")) throw new ForbiddenError("Only the lead cooperative of the bid may do this.");
  if (action === "edit" && !canOnBid(access, "edit")) throw new ForbiddenError("Only the cooperatives of the bid may edit it.");
}
