import { BidGroupType, BidMemberRole, BidStatus } from "../bids/bid.enums";
import { fromGlobalId } from "../common/node";
import { OfferAnswerKind, OfferStatus } from "./client.enums";

/**
 * The submission snapshot of a bid (bid.service.ts submitBid), read as plain data: what the
 * client of the order may see, and nothing else. Pure: no ORM past this file's callers.
 */
export interface SnapshotView {
  title: string;
  groupType: BidGroupType;
  members: { memberId: string; cooperativeId: string; role: BidMemberRole }[];
  lotIds: string[];
  /** Lot id → the member id performing it. */
  assignments: Map<string, string | null>;
  sections: { title: string; position: number; text: string }[];
  priceLines: { lotId: string | null; memberId: string | null; description: string; quantity: number; unitPrice: number; total: number }[];
  total: number;
  perLot: Map<string, number>;
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);
const text = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
/** The uuid of a global id of this type in the snapshot; null when absent or of another type. */
const uuid = (v: unknown, type: string): string | null => {
  const decoded = typeof v === "string" ? fromGlobalId(v) : null;
  return decoded && decoded.type === type ? decoded.id : null;
};

export function readSnapshot(snapshot: Json): SnapshotView {
  const groupType = Object.values(BidGroupType).find((g) => g === snapshot.groupType) ?? BidGroupType.CONJOINT;
  const members = records(snapshot.members).flatMap((m) => {
    const memberId = uuid(m.id, "BidMember");
    const cooperativeId = uuid(m.cooperativeId, "Cooperative");
    const role = Object.values(BidMemberRole).find((r) => r === m.role) ?? BidMemberRole.MEMBER;
    return memberId && cooperativeId ? [{ memberId, cooperativeId, role }] : [];
  });
  const lotIds = (Array.isArray(snapshot.lotIds) ? snapshot.lotIds : []).map((l) => uuid(l, "Lot")).filter((l): l is string => l !== null);
  const assignments = new Map<string, string | null>();
  for (const a of records(snapshot.lotAssignments)) {
    const lotId = uuid(a.lotId, "Lot");
    if (lotId) assignments.set(lotId, uuid(a.memberId, "BidMember"));
  }
  const sections = records(snapshot.sections)
    .map((s) => ({ title: text(s.title), position: num(s.position), text: text(s.text) }))
    .sort((a, b) => a.position - b.position);
  const priceLines = records(snapshot.priceLines).map((p) => ({
    lotId: uuid(p.lotId, "Lot"),
    memberId: uuid(p.memberId, "BidMember"),
    description: text(p.description),
    quantity: num(p.quantity),
    unitPrice: num(p.unitPrice),
    total: num(p.total),
  }));
  const totals = isRecord(snapshot.totals) ? snapshot.totals : {};
  const perLot = new Map<string, number>();
  for (const t of records(totals.perLot)) {
    const lotId = uuid(t.lotId, "Lot");
    if (lotId) perLot.set(lotId, num(t.total));
  }
  return { title: text(snapshot.title), groupType, members, lotIds, assignments, sections, priceLines, total: num(totals.total), perLot };
}

/** The offer's status for its client, from the bid's status and the client's last answer to this submission. */
export function offerStatus(bidStatus: BidStatus, lastAnswer: OfferAnswerKind | null): OfferStatus {
  switch (bidStatus) {
    case BidStatus.WON:
      return OfferStatus.ACCEPTED;
    case BidStatus.LOST:
      return lastAnswer === OfferAnswerKind.DECLINED ? OfferStatus.DECLINED : OfferStatus.LOST;
    case BidStatus.WITHDRAWN:
      return OfferStatus.WITHDRAWN;
    case BidStatus.SUBMITTED:
      return OfferStatus.SUBMITTED;
    // A submitted bid is a draft again only when its client asked for a revision.
    case BidStatus.DRAFT:
    case BidStatus.IN_REVIEW:
    case BidStatus.PROPOSED:
      return OfferStatus.REVISION_REQUESTED;
  }
}

/** Euros rounded to the cent. */
export const cents = (euros: number): number => Math.round(euros * 100) / 100;

/** Whole euros of an awarded amount (outcomes count in euros), at least 1. */
export function awardedEuros(total: number): number {
  return Math.max(1, Math.round(total));
}
