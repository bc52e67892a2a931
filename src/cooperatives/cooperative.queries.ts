import type { Actor } from "../auth/actor";
import { roleIn } from "../auth/actor";
import { NotFoundError } from "../common/errors";
import { decodeId } from "../common/node";
import { Cooperative } from "./cooperative.entity";
import { authorizeCooperative, type CooperativeAction } from "./cooperative.policy";

/* Reads of one cooperative (the directory's list: cooperative.directory.ts). */

export async function loadCooperative(actor: Actor, globalId: string, field = "id"): Promise<Cooperative> {
  const id = decodeId("Cooperative", globalId, field);
  const cooperative = await actor.em.findOne(Cooperative, { id });
  if (!cooperative) throw new NotFoundError("Cooperative", globalId);
  return cooperative;
}

export async function authorizedCooperative(actor: Actor, globalId: string, action: CooperativeAction, field = "id") {
  const cooperative = await loadCooperative(actor, globalId, field);
  authorizeCooperative(actor.viewer, action, await roleIn(actor, cooperative.id));
  return cooperative;
}
