import { BidGroupType, BidMemberStatus, SectionStatus } from "./bid.enums";
import { lotLabel, type LotFacts } from "./bid.lots";

/** What submission checks, on plain facts (pure). */
export interface CompletenessFacts {
  /** The lots the bid answers (declared), in the tender's order. */
  lots: LotFacts[];
  /** Every lot of the tender: a price line on another lot than the declared ones is named too. */
  tenderLots: LotFacts[];
  members: { id: string; status: BidMemberStatus; name: string }[];
  assignments: { lotId: string; memberId: string | null }[];
  sections: { id: string; title: string; status: SectionStatus }[];
  priceLines: { lotId: string; memberId: string }[];
}

export type CompletenessCode =
  | "NO_LOT"
  | "LOT_UNASSIGNED"
  | "SECTION_NOT_DONE"
  | "NO_SECTION"
  | "LOT_UNPRICED"
  | "MEMBER_NOT_ACCEPTED"
  | "PRICE_LINE_OF_ABSENT_MEMBER"
  | "PRICE_LINE_OF_UNDECLARED_LOT";

export interface CompletenessIssue {
  code: CompletenessCode;
  message: string;
  /** Database id of the lot, section or member concerned, when there is one. */
  subjectId: string | null;
}

/**
 * Every reason the bid cannot be submitted yet, on the lots it declares only; empty when it is
 * complete. Messages name the lot, the section or the cooperative. The group's legal form is not
 * checked: a form the buyer requires applies after award.
 */
export function completenessIssues(facts: CompletenessFacts): CompletenessIssue[] {
  const issues: CompletenessIssue[] = [];
  const accepted = new Set(facts.members.filter((m) => m.status === BidMemberStatus.ACCEPTED).map((m) => m.id));
  const memberName = new Map(facts.members.map((m) => [m.id, m.name]));
  const lotById = new Map(facts.tenderLots.map((l) => [l.id, l]));
  const declared = new Set(facts.lots.map((l) => l.id));
  for (const member of facts.members) {
    if (member.status === BidMemberStatus.INVITED) {
      issues.push({
        code: "MEMBER_NOT_ACCEPTED",
        message: `${member.name} has not accepted its invitation yet (accept, decline, or remove it).`,
        subjectId: member.id,
      });
    }
  }
  if (facts.tenderLots.length > 0 && facts.lots.length === 0) {
    issues.push({ code: "NO_LOT", message: "The bid answers no lot of the tender: declare the lots it answers.", subjectId: null });
  }
  const assigned = new Map(facts.assignments.map((a) => [a.lotId, a.memberId]));
  const priced = new Set(facts.priceLines.filter((p) => accepted.has(p.memberId)).map((p) => p.lotId));
  for (const lot of facts.lots) {
    const memberId = assigned.get(lot.id) ?? null;
    if (memberId === null) {
      issues.push({ code: "LOT_UNASSIGNED", message: `${lotLabel(lot)} is not assigned to a member of the group.`, subjectId: lot.id });
    } else if (!accepted.has(memberId)) {
      issues.push({ code: "LOT_UNASSIGNED", message: `${lotLabel(lot)} is assigned to a member who has not accepted.`, subjectId: lot.id });
    }
    if (!priced.has(lot.id)) issues.push({ code: "LOT_UNPRICED", message: `${lotLabel(lot)} has no price line.`, subjectId: lot.id });
  }
  for (const line of facts.priceLines) {
    const lot = lotById.get(line.lotId);
    const label = lot ? lotLabel(lot) : "another lot";
    if (!accepted.has(line.memberId)) {
      issues.push({
        code: "PRICE_LINE_OF_ABSENT_MEMBER",
        message: `A price line of ${label} belongs to ${memberName.get(line.memberId) ?? "a cooperative"}, which is not in the group.`,
        subjectId: line.memberId,
      });
    }
    if (!declared.has(line.lotId)) {
      issues.push({ code: "PRICE_LINE_OF_UNDECLARED_LOT", message: `A price line is for ${label}, which the bid does not answer.`, subjectId: line.lotId });
    }
  }
  if (facts.sections.length === 0) issues.push({ code: "NO_SECTION", message: "The technical memo has no section.", subjectId: null });
  for (const section of facts.sections) {
    if (section.status !== SectionStatus.DONE) {
      issues.push({ code: "SECTION_NOT_DONE", message: `Section “${section.title}” is ${section.status}, not DONE (approved).`, subjectId: section.id });
    }
  }
  return issues;
}

/**
 * The group types a tender's rules allow (a form the buyer requires of the group once awarded), read from its required legal form (free text of the
 * notice, e.g. « groupement solidaire », « conjoint avec mandataire solidaire »); null when the
 * tender requires no form or names none we recognise.
 */
export function allowedGroupTypes(required: boolean | null, legalForm: string | null): BidGroupType[] | null {
  if (!required || !legalForm) return null;
  const text = legalForm
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
  const conjoint = /conjoint/.test(text);
  const solidaire = /solidaire/.test(text);
  if (conjoint && solidaire) return [BidGroupType.CONJOINT_WITH_SOLIDARY_LEAD];
  if (solidaire) return [BidGroupType.SOLIDAIRE];
  if (conjoint) return [BidGroupType.CONJOINT, BidGroupType.CONJOINT_WITH_SOLIDARY_LEAD];
  return null;
}
