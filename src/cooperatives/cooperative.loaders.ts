import type { EntityManager } from "@mikro-orm/postgresql";
import DataLoader from "dataloader";
import { CooperativeReference, CooperativeSkill, Membership } from "./cooperative.entity";
import type { MemberRole } from "./cooperative.enums";

function groupBy<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((k) => groups.get(k) ?? []);
}

/** One query per field per page, whatever the page size (no N+1). */
export function createCooperativeLoaders(em: EntityManager) {
  return {
    skillsByCooperative: new DataLoader<string, CooperativeSkill[]>(async (ids) =>
      groupBy(
        ids,
        await em.find(CooperativeSkill, { cooperative: { $in: [...ids] } }, { orderBy: { level: "desc", cpv: "asc" } }),
        (s) => s.cooperative.id,
      ),
    ),
    referencesByCooperative: new DataLoader<string, CooperativeReference[]>(async (ids) =>
      groupBy(
        ids,
        await em.find(CooperativeReference, { cooperative: { $in: [...ids] } }, { orderBy: { year: "desc", id: "asc" } }),
        (r) => r.cooperative.id,
      ),
    ),
    membersByCooperative: new DataLoader<string, Membership[]>(async (ids) =>
      groupBy(
        ids,
        await em.find(
          Membership,
          { cooperative: { $in: [...ids] } },
          { populate: ["user"], orderBy: { role: "asc", createdAt: "asc" } },
        ),
        (m) => m.cooperative.id,
      ),
    ),
    /** The roles of one user in their cooperatives, keyed by user id. */
    rolesOfUser: new DataLoader<string, Map<string, MemberRole>>(async (userIds) => {
      const rows = await em.find(Membership, { user: { $in: [...userIds] } });
      return userIds.map(
        (userId) => new Map(rows.filter((m) => m.user.id === userId).map((m) => [m.cooperative.id, m.role])),
      );
    }),
  };
}

export type CooperativeLoaders = ReturnType<typeof createCooperativeLoaders>;
