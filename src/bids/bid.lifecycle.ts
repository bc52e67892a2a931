import { InvalidStateError } from "../common/errors";
import { BidStatus } from "./bid.enums";

/**
 * (PROPOSED →) DRAFT → IN_REVIEW → SUBMITTED → WON | LOST, or WITHDRAWN; a review may go back to
 * DRAFT. A bid an officer proposed becomes a DRAFT when its lead accepts it, WITHDRAWN when it
 * declines (acceptProposedBid / declineProposedBid, src/matching/completion.service.ts).
 */
const TRANSITIONS: Record<BidStatus, readonly BidStatus[]> = {
  [BidStatus.PROPOSED]: [BidStatus.DRAFT, BidStatus.WITHDRAWN],
  [BidStatus.DRAFT]: [BidStatus.IN_REVIEW, BidStatus.WITHDRAWN],
  [BidStatus.IN_REVIEW]: [BidStatus.DRAFT, BidStatus.SUBMITTED, BidStatus.WITHDRAWN],
  [BidStatus.SUBMITTED]: [BidStatus.WON, BidStatus.LOST, BidStatus.WITHDRAWN],
  [BidStatus.WON]: [],
  [BidStatus.LOST]: [],
  [BidStatus.WITHDRAWN]: [],
};

export function canTransitionBid(from: BidStatus, to: BidStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertBidTransition(from: BidStatus, to: BidStatus): void {
  if (!canTransitionBid(from, to)) throw new InvalidStateError(`A bid that is ${from} cannot become ${to}.`);
}

/** Content (sections, prices, assignments) may change until submission. */
export function contentEditable(status: BidStatus): boolean {
  return status === BidStatus.DRAFT || status === BidStatus.IN_REVIEW;
}

/** The composition (invitations, answers, removals) may change only while a draft. */
export function compositionEditable(status: BidStatus): boolean {
  return status === BidStatus.DRAFT;
}

export function assertContentEditable(status: BidStatus): void {
  if (!contentEditable(status)) throw new InvalidStateError(`This bid is ${status}: its content is frozen.`);
}

export function assertCompositionEditable(status: BidStatus): void {
  if (!compositionEditable(status)) throw new InvalidStateError(`This bid is ${status}: its composition can only change while it is a DRAFT.`);
}
