import type { EntityManager } from "@mikro-orm/postgresql";
import type { Loaders } from "../context";
import type DataLoader from "dataloader";
import type { Viewer } from "./viewer";

/** Who acts in a use case: the operation's entity manager, its viewer and its DataLoaders. */
export interface Actor {
  em: EntityManager;
  viewer: Viewer;
  loaders: Loaders;
}

/** A person's role in a cooperative, as the loaders give it (the cooperatives' MemberRole). */
type RoleInCooperative = Loaders["rolesOfUser"] extends DataLoader<string, Map<string, infer R>> ? R : never;

/** The viewer's role in a cooperative, or null. */
export async function roleIn(actor: Actor, cooperativeId: string): Promise<RoleInCooperative | null> {
  if (actor.viewer.kind !== "USER") return null;
  const roles = await actor.loaders.rolesOfUser.load(actor.viewer.userId);
  return roles.get(cooperativeId) ?? null;
}
