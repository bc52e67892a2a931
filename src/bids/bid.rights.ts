import { ForbiddenError } from "../common/errors";
import type { BidAccess } from "./bid.policy";

/**
 * Who edits what inside a bid (pure): the lead's people edit everything; the people of another
 * member edit the price lines of their member and the sections assigned to one of their people.
 */

/** A price line of `memberId` (its owner, or the one it would move to). */
export function canEditPriceLine(access: BidAccess, memberId: string): boolean {
  return access.lead || access.activeMemberIds.includes(memberId);
}

export function assertCanEditPriceLine(access: BidAccess, memberId: string): void {
  if (!canEditPriceLine(access, memberId)) throw new ForbiddenError("A member edits its own price lines only; the lead edits them all.");
}

/**
 * A section whose assignee is a person of the members `ownerMemberIds` (empty when it has no
 * assignee: then it is the lead's to write or to assign).
 */
export function canEditSection(access: BidAccess, ownerMemberIds: readonly string[]): boolean {
  return access.lead || ownerMemberIds.some((id) => access.activeMemberIds.includes(id));
}

export function assertCanEditSection(access: BidAccess, ownerMemberIds: readonly string[]): void {
  if (!canEditSection(access, ownerMemberIds)) {
    throw new ForbiddenError("A member edits the sections assigned to its people only; the lead edits them all.");
  }
}

/** Approving a section (DONE): the lead, or the section's named reviewer. */
export function canApproveSection(access: BidAccess, viewerId: string | null, reviewerId: string | null): boolean {
  return access.lead || (viewerId !== null && reviewerId !== null && viewerId === reviewerId && access.activeMemberIds.length > 0);
}
