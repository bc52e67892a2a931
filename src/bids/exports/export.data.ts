import type { EntityManager } from "@mikro-orm/postgresql";
import { Cooperative } from "../../cooperatives/cooperative.entity";
import { Lot, Tender } from "../../tenders/tender.entity";
import { Bid, BidLotAssignment, BidMember, BidPriceLine, BidSection } from "../bid.entity";
import { BidMemberRole, BidMemberStatus } from "../bid.enums";

/** A submitted bid as its exports show it: plain data, read once, no ORM past this file. */
export interface ExportData {
  title: string;
  groupType: string;
  submittedAt: Date;
  tender: { title: string; buyerName: string; reference: string | null; vatRate: number; currency: string };
  members: { id: string; name: string; siret: string; city: string | null; role: string }[];
  lots: { number: number; title: string; memberIds: string[] }[];
  sections: { title: string; text: string }[];
  priceLines: { lotNumber: number; memberId: string; description: string; quantity: number; unitPriceCents: number }[];
}

export async function exportData(em: EntityManager, bid: Bid): Promise<ExportData> {
  const tender = await em.findOneOrFail(Tender, { id: bid.tender.id });
  // The lead first, then the members in the order they joined.
  const members = (await em.find(BidMember, { bid, status: BidMemberStatus.ACCEPTED }, { orderBy: { createdAt: "asc", id: "asc" } })).sort(
    (a, b) => Number(b.role === BidMemberRole.LEAD) - Number(a.role === BidMemberRole.LEAD),
  );
  const cooperatives = await em.find(Cooperative, { id: { $in: members.map((m) => m.cooperative.id) } });
  const assignments = await em.find(BidLotAssignment, { bid, member: { $ne: null } });
  const lots = await em.find(Lot, { id: { $in: assignments.map((a) => a.lot.id) } }, { orderBy: { number: "asc" } });
  const sections = await em.find(BidSection, { bid }, { orderBy: { position: "asc", createdAt: "asc" } });
  const lines = await em.find(BidPriceLine, { bid }, { orderBy: { createdAt: "asc", id: "asc" } });
  const numberOf = new Map(lots.map((l) => [l.id, l.number]));
  return {
    title: bid.title,
    groupType: bid.groupType,
    submittedAt: bid.submittedAt ?? new Date(0),
    tender: { title: tender.title, buyerName: tender.buyerName, reference: tender.contractFolderId, vatRate: tender.vatRate, currency: tender.currency },
    members: members.map((m) => {
      const c = cooperatives.find((x) => x.id === m.cooperative.id);
      return { id: m.id, name: c?.name ?? "", siret: c?.siret ?? "", city: c?.city ?? null, role: m.role };
    }),
    lots: lots.map((l) => ({ number: l.number, title: l.title, memberIds: assignments.filter((a) => a.lot.id === l.id).map((a) => a.member!.id) })),
    sections: sections.map((s) => ({ title: s.title, text: s.snapshotText })),
    priceLines: lines
      .filter((p) => numberOf.has(p.lot.id))
      .map((p) => ({
        lotNumber: numberOf.get(p.lot.id)!,
        memberId: p.member.id,
        description: p.description,
        quantity: p.quantity,
        unitPriceCents: p.unitPriceCents,
      })),
  };
}
