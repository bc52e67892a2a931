import { BidGroupType, BidMemberStatus, SectionStatus } from "./bid.enums";

/** What submission checks, on plain facts (pure). */
export interface CompletenessFacts {
  lotIds: string[];
  members: { id: string; status: BidMemberStatus }[];
  assignments: { lotId: string; memberId: string | null }[];
  sections: { id: string; title: string; status: SectionStatus }[];
  priceLines: { lotId: string; memberId: string }[];
  groupType: BidGroupType;
  /** Group types the tender allows; null when it requires none. */
  allowedGroupTypes: BidGroupType[] | null;
}

export type CompletenessCode =
  | "LOT_UNASSIGNED"
  | "SECTION_NOT_DONE"
  | "NO_SECTION"
  | "LOT_UNPRICED"
  | "MEMBER_NOT_ACCEPTED"
  | "PRICE_LINE_OF_ABSENT_MEMBER"
  | "GROUP_TYPE_NOT_ALLOWED";

export interface CompletenessIssue {
  code: CompletenessCode;
  message: string;
  /** Database id of the lot, section or member concerned, when there is one. */
  subjectId: string | null;
}

/** Every reason the bid cannot be submitted yet; empty when it is complete. */
export function completenessIssues(facts: CompletenessFacts): CompletenessIssue[] {
  const issues: CompletenessIssue[] = [];
  const accepted = new Set(facts.members.filter((m) => m.status === BidMemberStatus.ACCEPTED).map((m) => m.id));
  for (const member of facts.members) {
    if (member.status === BidMemberStatus.INVITED) {
      issues.push({ code: "MEMBER_NOT_ACCEPTED", message: "A cooperative invited has not accepted yet (accept, decline, or remove it).", subjectId: member.id });
    }
  }
  const assigned = new Map(facts.assignments.map((a) => [a.lotId, a.memberId]));
  const priced = new Set(facts.priceLines.filter((p) => accepted.has(p.memberId)).map((p) => p.lotId));
  for (const lotId of facts.lotIds) {
    const memberId = assigned.get(lotId) ?? null;
    if (memberId === null || !accepted.has(memberId)) {
      issues.push({ code: "LOT_UNASSIGNED", message: "A lot is not assigned to a member of the group.", subjectId: lotId });
    }
    if (!priced.has(lotId)) issues.push({ code: "LOT_UNPRICED", message: "A lot has no price line.", subjectId: lotId });
  }
  for (const line of facts.priceLines) {
    if (!accepted.has(line.memberId)) {
      issues.push({ code: "PRICE_LINE_OF_ABSENT_MEMBER", message: "A price line belongs to a cooperative that is not in the group.", subjectId: line.memberId });
    }
  }
  if (facts.sections.length === 0) issues.push({ code: "NO_SECTION", message: "The technical memo has no section.", subjectId: null });
  for (const section of facts.sections) {
    if (section.status !== SectionStatus.DONE) {
      issues.push({ code: "SECTION_NOT_DONE", message: `Section “${section.title}” is not DONE.`, subjectId: section.id });
    }
  }
  if (facts.allowedGroupTypes && !facts.allowedGroupTypes.includes(facts.groupType)) {
    issues.push({
      code: "GROUP_TYPE_NOT_ALLOWED",
      message: `The tender requires a group of type ${facts.allowedGroupTypes.join(" or ")}.`,
      subjectId: null,
    });
  }
  return issues;
}

/**
 * The group types a tender's rules allow, read from its required legal form (free text of the
 * notice, e.g. « groupement solidaire », « conjoint avec mandataire solidaire »); null when the
 * tender requires no form or names none we recognise.
 */
export function allowedGroupTypes(required: boolean | null, legalForm: string | null): BidGroupType[] | null {
  if (!required || !legalForm) return null;
  const text = legalForm.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  const conjoint = /conjoint/.test(text);
  const solidaire = /solidaire/.test(text);
  if (conjoint && solidaire) return [BidGroupType.CONJOINT_WITH_SOLIDARY_LEAD];
  if (solidaire) return [BidGroupType.SOLIDAIRE];
  if (conjoint) return [BidGroupType.CONJOINT, BidGroupType.CONJOINT_WITH_SOLIDARY_LEAD];
  return null;
}
