import { InvalidStateError } from "../common/errors";
import { CooperativeStatus } from "./cooperative.enums";

/** What a cooperative awaiting verification may not do yet. */
export type VerifiedOnlyAction = "lead a bid" | "join a bid" | "be invited to a bid" | "see opportunities" | "be shortlisted";

/**
 * A cooperative registered by a member is PENDING until a mission officer checks it: until then
 * it takes no part in the market (the one rule; the SQL of candidate searches filters on the same
 * column).
 */
export function assertVerifiedCooperative(cooperative: { status: CooperativeStatus }, action: VerifiedOnlyAction): void {
  if (cooperative.status !== CooperativeStatus.VERIFIED) {
    throw new InvalidStateError(`This cooperative is awaiting verification by a mission officer: it cannot ${action} yet.`);
  }
}
