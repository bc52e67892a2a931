import { ForbiddenError, InvalidStateError } from "../../common/errors";
import { SectionStatus } from "../bid.enums";

const S = SectionStatus;

/**
 * TODO → IN_PROGRESS → IN_REVIEW → DONE. Changes requested send IN_REVIEW back to IN_PROGRESS;
 * a DONE section reopens to IN_PROGRESS; one not started yet may go back to TODO.
 */
const TRANSITIONS: Record<SectionStatus, readonly SectionStatus[]> = {
  [S.TODO]: [S.IN_PROGRESS],
  [S.IN_PROGRESS]: [S.TODO, S.IN_REVIEW],
  [S.IN_REVIEW]: [S.IN_PROGRESS, S.DONE],
  [S.DONE]: [S.IN_PROGRESS],
};

export function canTransitionSection(from: SectionStatus, to: SectionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** What deciding a section's status depends on, gathered by the service. */
export interface SectionMove {
  from: SectionStatus;
  to: SectionStatus;
  /** The viewer may edit the section (its member, or the lead). */
  editor: boolean;
  /** The viewer may approve it: one of the lead's people, or the section's named reviewer. */
  approver: boolean;
  /** The section's text has something else than white space. */
  hasText: boolean;
}

/**
 * Checks a status change: the table above, then who: editors move their section up to IN_REVIEW;
 * only an approver sets DONE (and only with a text), sends a review back or reopens a DONE section.
 */
export function assertSectionMove(move: SectionMove): void {
  const { from, to } = move;
  if (from === to) return;
  if (!canTransitionSection(from, to)) {
    throw new InvalidStateError(`A section that is ${from} cannot become ${to}${to === S.DONE ? ": it is reviewed (IN_REVIEW) first" : ""}.`);
  }
  const byApprover = to === S.DONE || from === S.DONE || (from === S.IN_REVIEW && to === S.IN_PROGRESS);
  if (byApprover ? !move.approver : !move.editor) {
    throw new ForbiddenError(
      byApprover
        ? "Only the lead or the section's reviewer may approve a section, send it back or reopen it."
        : "Only the member the section is assigned to, or the lead, may change it.",
    );
  }
  if (to === S.DONE && !move.hasText) throw new InvalidStateError("A section without text cannot be DONE.");
}
