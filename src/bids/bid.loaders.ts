import type { EntityManager } from "@mikro-orm/postgresql";
import DataLoader from "dataloader";
import type { Viewer } from "../auth/viewer";
import { accessToBids } from "./bid.access";
import { BidLot, BidLotAssignment, BidMember, BidPriceLine, BidSection } from "./bid.entity";
import type { BidAccess } from "./bid.policy";
import type { SectionDocs, SectionDocView } from "./sections/section-docs";

function groupBy<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((k) => groups.get(k) ?? []);
}

export interface AccessKey {
  viewer: Viewer;
  bidId: string;
}

/** Per-operation loaders of the bids feature: one query per field per page of bids. */
export function createBidLoaders(em: EntityManager, sectionDocs: SectionDocs) {
  return {
    /** The process's section documents (load() them on an entity manager). */
    sectionDocs,
    /** A viewer's access to bids, keyed by `accessKey(viewer, bidId)`. */
    bidAccess: new DataLoader<AccessKey, BidAccess, string>(
      async (keys) => {
        const access = await accessToBids(
          em,
          keys[0]?.viewer ?? { kind: "ANONYMOUS" },
          keys.map((k) => k.bidId),
        );
        return keys.map((k) => access.get(k.bidId) ?? { staff: false, activeMemberIds: [], lead: false });
      },
      // One viewer per operation: the bid id is the cache key.
      { cacheKeyFn: (k) => k.bidId },
    ),
    /** The current head of each bid's log, read fresh (the ORM never writes it). */
    bidHeadSeq: new DataLoader<string, number>(async (ids) => {
      const rows = await em.execute<{ id: string; head_seq: number }[]>("SELECT id, head_seq FROM bids WHERE id IN (?)", [[...ids]]);
      const heads = new Map(rows.map((r) => [r.id, r.head_seq]));
      return ids.map((id) => heads.get(id) ?? 0);
    }),
    membersByBid: new DataLoader<string, BidMember[]>(async (ids) =>
      groupBy(ids, await em.find(BidMember, { bid: { $in: [...ids] } }, { orderBy: { createdAt: "asc", id: "asc" } }), (m) => m.bid.id),
    ),
    assignmentsByBid: new DataLoader<string, BidLotAssignment[]>(async (ids) =>
      groupBy(ids, await em.find(BidLotAssignment, { bid: { $in: [...ids] } }, { populate: ["lot"], orderBy: { createdAt: "asc" } }), (a) => a.bid.id),
    ),
    /** The lots each bid answers, in the tender's order. */
    lotsByBid: new DataLoader<string, BidLot[]>(async (ids) =>
      groupBy(ids, await em.find(BidLot, { bid: { $in: [...ids] } }, { populate: ["lot"], orderBy: { lot: { number: "asc" } } }), (l) => l.bid.id),
    ),
    sectionsByBid: new DataLoader<string, BidSection[]>(async (ids) =>
      groupBy(ids, await em.find(BidSection, { bid: { $in: [...ids] } }, { orderBy: { position: "asc", createdAt: "asc" } }), (s) => s.bid.id),
    ),
    priceLinesByBid: new DataLoader<string, BidPriceLine[]>(async (ids) =>
      groupBy(ids, await em.find(BidPriceLine, { bid: { $in: [...ids] } }, { orderBy: { createdAt: "asc", id: "asc" } }), (p) => p.bid.id),
    ),
    /** Each section's Yjs document as of now, and the seq of the last text update it includes. */
    sectionDoc: new DataLoader<string, SectionDocView | null>(async (ids) => {
      const docs = await sectionDocs.load(em, ids);
      return ids.map((id) => docs.get(id) ?? null);
    }),
  };
}

export type BidLoaders = ReturnType<typeof createBidLoaders>;
