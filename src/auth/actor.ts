import type { EntityManager } from "@mikro-orm/postgresql";
import type { Loaders } from "../context";
import type { MemberRole } from "../cooperatives/cooperative.enums";
import type { Viewer } from "./viewer";

/** Who acts in a use case: the operation's entity manager, its viewer and its DataLoaders. */
export interface Actor {
  em: EntityManager;
  viewer: Viewer;
  loaders: Loaders;
}

/** The viewer's role in a cooperative, or null. */
export async function roleIn(actor: Actor, cooperativeId: string): Promise<MemberRole | null> {
  if (actor.viewer.kind !== "USER") return null;
  const roles = await actor.loaders.rolesOfUser.load(actor.viewer.userId);
  return roles.get(cooperativeId) ?? null;
}
