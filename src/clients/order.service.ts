import { Bid } from "../bids/bid.entity";
import { InvalidStateError } from "../common/errors";
import type { Actor } from "../auth/actor";
import type { Tender } from "../tenders/tender.entity";
import type { UpdateTenderInput } from "../tenders/tender.inputs";
import { updateTender } from "../tenders/tender.usecases";
import type { UpdateDirectOrderInput } from "./client.inputs";

/**
 * The client edits its own order (DRAFT or OPEN) while no offer has been submitted on it: once an
 * offer is on the table, the order it answers no longer changes under it (INVALID_STATE).
 */
export async function updateDirectOrder(actor: Actor, globalId: string, input: UpdateDirectOrderInput, now = new Date()): Promise<Tender> {
  const changes: UpdateTenderInput = {};
  // Only the fields of this input pass, whatever else a caller's object carries.
  for (const key of ["title", "description", "place", "estimatedValue", "vatRate", "submissionDeadline", "lots"] as const) {
    if (Object.prototype.hasOwnProperty.call(input, key) && input[key] !== undefined) Object.assign(changes, { [key]: input[key] });
  }
  if (changes.title === null) delete changes.title;
  return updateTender(actor, globalId, changes, now, {
    action: "editOwnOrder",
    check: async (tender) => {
      if (await actor.em.count(Bid, { tender: tender.id, submittedAt: { $ne: null } })) {
        throw new InvalidStateError("An offer has been submitted on this order: it can no longer be edited (cancel it, or answer the offer).");
      }
    },
  });
}
