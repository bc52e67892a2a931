import { User } from "../auth/user.entity";
import { BadInputError } from "../common/errors";
import { decodeId } from "../common/node";
import * as v from "../common/validate";
import { Cooperative } from "../cooperatives/cooperative.entity";
import type { Actor } from "../cooperatives/cooperative.service";
import { Outcome, type Tender } from "./tender.entity";
import { OutcomeResult, TenderStatus } from "./tender.enums";
import type { OutcomeInput } from "./tender.inputs";
import { assertTransition } from "./tender.lifecycle";
import { loadTender } from "./tender.service";

/** The platform's commission on an awarded amount, in whole euros. */
export function commissionOf(amount: number, rate: number): number {
  return Math.round(amount * rate);
}

/**
 * Records (or corrects) the outcome of a tender or order: a CLOSED tender becomes AWARDED; an
 * AWARDED one keeps its status and its outcome is replaced. The commission uses the rate in
 * force now and is stored, so that a later change of rate does not rewrite the past.
 */
export async function recordOutcome(
  actor: Actor & { commissionRate: number },
  tenderGlobalId: string,
  input: OutcomeInput,
  now = new Date(),
): Promise<{ outcome: Outcome; tender: Tender }> {
  const tender = await loadTender(actor, tenderGlobalId, "recordOutcome", "tenderId");
  const { em } = actor;
  if (!Object.values(OutcomeResult).includes(input.result)) throw new BadInputError("input.result", "is not WON or LOST");
  const won = input.result === OutcomeResult.WON;
  const ids = input.winnerIds ?? [];
  let winnerIds: string[] = [];
  let amount = 0;
  if (won) {
    if (ids.length === 0) throw new BadInputError("input.winnerIds", "name the winning cooperative(s)");
    if (ids.length > 50) throw new BadInputError("input.winnerIds", "at most 50 cooperatives");
    winnerIds = [...new Set(ids.map((id, i) => decodeId("Cooperative", id, `input.winnerIds[${i}]`)))];
    const found = await em.find(Cooperative, { id: { $in: winnerIds } }, { fields: ["id"] });
    const missing = winnerIds.findIndex((id) => !found.some((c) => c.id === id));
    if (missing >= 0) throw new BadInputError(`input.winnerIds[${missing}]`, "is not a cooperative");
    if (input.awardedAmount == null) throw new BadInputError("input.awardedAmount", "is required when WON");
    amount = v.integer("input.awardedAmount", input.awardedAmount, 1, 2_000_000_000);
  } else {
    if (ids.length > 0) throw new BadInputError("input.winnerIds", "a lost outcome has no winning cooperative");
    if (input.awardedAmount != null && input.awardedAmount !== 0) {
      throw new BadInputError("input.awardedAmount", "a lost outcome brings no amount to the cooperatives");
    }
  }
  const consortiumName = v.optionalText("input.consortiumName", input.consortiumName, { max: 300 });
  if (consortiumName !== null && !won) throw new BadInputError("input.consortiumName", "only a won outcome has a consortium");
  let awardedAt = now;
  if (input.awardedAt != null) {
    if (!(input.awardedAt instanceof Date) || Number.isNaN(input.awardedAt.getTime())) {
      throw new BadInputError("input.awardedAt", "is not a date");
    }
    if (input.awardedAt.getTime() > now.getTime() + 60_000) throw new BadInputError("input.awardedAt", "must not be in the future");
    awardedAt = input.awardedAt;
  }
  if (tender.status !== TenderStatus.AWARDED) assertTransition(tender.status, TenderStatus.AWARDED);
  const values = {
    result: input.result,
    winnerIds,
    consortiumName,
    awardedAmount: amount,
    commissionRate: actor.commissionRate,
    commission: commissionOf(amount, actor.commissionRate),
    awardedAt,
    recordedBy: actor.viewer.kind === "USER" ? em.getReference(User, actor.viewer.userId) : null,
  };
  let outcome = await em.findOne(Outcome, { tender });
  if (outcome) em.assign(outcome, values);
  else outcome = em.create(Outcome, { tender, ...values });
  tender.status = TenderStatus.AWARDED;
  await em.flush();
  actor.loaders.outcomeByTender.clear(tender.id);
  return { outcome, tender };
}
