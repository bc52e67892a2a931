import { InvalidStateError } from "../common/errors";
import { TenderStatus } from "./tender.enums";

/** The transitions of a tender's lifecycle; AWARDED and CANCELLED are final. */
const TRANSITIONS: Record<TenderStatus, readonly TenderStatus[]> = {
  [TenderStatus.DRAFT]: [TenderStatus.OPEN, TenderStatus.CANCELLED],
  [TenderStatus.OPEN]: [TenderStatus.CLOSED, TenderStatus.CANCELLED],
  [TenderStatus.CLOSED]: [TenderStatus.AWARDED, TenderStatus.CANCELLED],
  [TenderStatus.AWARDED]: [],
  [TenderStatus.CANCELLED]: [],
};

export function canTransition(from: TenderStatus, to: TenderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws INVALID_STATE for a transition the lifecycle does not allow. */
export function assertTransition(from: TenderStatus, to: TenderStatus): void {
  if (!canTransition(from, to)) {
    throw new InvalidStateError(`A tender that is ${from} cannot become ${to}.`);
  }
}

/** What the bids feature needs of a tender. */
export interface BiddableTender {
  status: TenderStatus;
  submissionDeadline: Date | null;
}

/** Whether a tender takes new bids at `now`: open, and before its deadline (if any). */
export function acceptsBids(tender: BiddableTender, now: Date): boolean {
  return tender.status === TenderStatus.OPEN && (tender.submissionDeadline === null || now.getTime() < tender.submissionDeadline.getTime());
}

/** For the bids feature: INVALID_STATE unless the tender takes new bids at `now`. */
export function assertAcceptsBids(tender: BiddableTender, now: Date): void {
  if (tender.status !== TenderStatus.OPEN) {
    throw new InvalidStateError(`This tender is ${tender.status}: it does not accept bids.`);
  }
  if (!acceptsBids(tender, now)) {
    throw new InvalidStateError("The submission deadline of this tender has passed: it does not accept bids.");
  }
}
