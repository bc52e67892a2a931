import { User } from "../auth/user.entity";
import { isStaff } from "../auth/viewer";
import { BadInputError, ForbiddenError } from "../common/errors";
import { CooperativeStatus } from "./cooperative.enums";
import type { Cooperative } from "./cooperative.entity";
import type { Actor } from "../auth/actor";
import { siret } from "./cooperative.checks";
import { loadCooperative } from "./cooperative.queries";
import { normalizeSiret } from "./siret";

export interface VerifyCooperativeRequest {
  cooperativeId: string;
  siret: string;
}

/**
 * A mission officer (or an admin) confirms a self-registered cooperative: they type the SIRET
 * they checked in the Sirene register, which must carry right SIREN and SIRET keys and match the
 * one the cooperative registered. Verifying a verified cooperative changes nothing.
 */
export async function verifyCooperative(actor: Actor, input: VerifyCooperativeRequest, now = new Date()): Promise<Cooperative> {
  if (!isStaff(actor.viewer) || actor.viewer.kind !== "USER") throw new ForbiddenError("Only mission officers and admins verify cooperatives.");
  const checked = siret("input.siret", input.siret);
  const cooperative = await loadCooperative(actor, input.cooperativeId, "input.cooperativeId");
  if (normalizeSiret(cooperative.siret) !== checked) throw new BadInputError("input.siret", "does not match the SIRET the cooperative registered");
  if (cooperative.status === CooperativeStatus.VERIFIED) return cooperative;
  cooperative.status = CooperativeStatus.VERIFIED;
  cooperative.verifiedAt = now;
  cooperative.verifiedBy = actor.em.getReference(User, actor.viewer.userId);
  await actor.em.flush();
  return cooperative;
}
