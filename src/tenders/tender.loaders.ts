import type { EntityManager } from "@mikro-orm/postgresql";
import DataLoader from "dataloader";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { Lot, Outcome, ShortlistEntry } from "./tender.entity";

function groupBy<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((k) => groups.get(k) ?? []);
}

/** One query per field per page (no N+1). */
export function createTenderLoaders(em: EntityManager) {
  return {
    lotsByTender: new DataLoader<string, Lot[]>(async (ids) =>
      groupBy(ids, await em.find(Lot, { tender: { $in: [...ids] } }, { orderBy: { number: "asc" } }), (l) => l.tender.id),
    ),
    shortlistByTender: new DataLoader<string, ShortlistEntry[]>(async (ids) =>
      groupBy(ids, await em.find(ShortlistEntry, { tender: { $in: [...ids] } }, { orderBy: { createdAt: "asc", id: "asc" } }), (s) => s.tender.id),
    ),
    outcomesByTender: new DataLoader<string, Outcome[]>(async (ids) =>
      groupBy(
        ids,
        // By lot number (a tender without lots first), then award date.
        (await em.find(Outcome, { tender: { $in: [...ids] } }, { populate: ["lot"], orderBy: { awardedAt: "asc", id: "asc" } })).sort(
          (a, b) => (a.lot?.number ?? -1) - (b.lot?.number ?? -1),
        ),
        (o) => o.tender.id,
      ),
    ),
    cooperativeById: new DataLoader<string, Cooperative | null>(async (ids) => {
      const rows = await em.find(Cooperative, { id: { $in: [...ids] } });
      return ids.map((id) => rows.find((c) => c.id === id) ?? null);
    }),
  };
}

export type TenderLoaders = ReturnType<typeof createTenderLoaders>;
