import { BadInputError } from "../common/errors";

/** A lot as the rules and messages need it. */
export interface LotFacts {
  id: string;
  number: number;
  title: string;
}

/** How a lot is named to people: "Lot 2 (Impression)". */
export function lotLabel(lot: Pick<LotFacts, "number" | "title">): string {
  return `Lot ${lot.number} (${lot.title})`;
}

/**
 * The lots a new bid answers when its creator names none: every lot when the tender lets one
 * tenderer bid for all of them, none otherwise (the lead chooses with `setBidLots`, since any
 * guess would be a choice the buyer's limit forces on the group).
 */
export function defaultDeclaredLots(lotIds: readonly string[], maxLotsPerTenderer: number | null): string[] {
  if (maxLotsPerTenderer !== null && lotIds.length > maxLotsPerTenderer) return [];
  return [...lotIds];
}

/**
 * The lots a bid declares, checked against the tender: lots of the tender only, no duplicate,
 * at least one when the tender has lots, at most the tender's maximum lots per tenderer (BT-31).
 * Returns them in the tender's order.
 */
export function checkDeclaredLots(field: string, declared: readonly string[], tenderLots: readonly LotFacts[], maxLotsPerTenderer: number | null): string[] {
  const known = new Set(tenderLots.map((l) => l.id));
  const seen = new Set<string>();
  declared.forEach((id, i) => {
    if (!known.has(id)) throw new BadInputError(`${field}[${i}]`, "is not a lot of this bid's tender");
    if (seen.has(id)) throw new BadInputError(`${field}[${i}]`, "is listed twice");
    seen.add(id);
  });
  if (tenderLots.length > 0 && seen.size === 0) throw new BadInputError(field, "a bid answers at least one lot of the tender");
  if (maxLotsPerTenderer !== null && seen.size > maxLotsPerTenderer) {
    throw new BadInputError(
      field,
      `the tender allows at most ${maxLotsPerTenderer} lot${maxLotsPerTenderer > 1 ? "s" : ""} per tenderer (maximum lots per tenderer); ${seen.size} declared`,
    );
  }
  return tenderLots.filter((l) => seen.has(l.id)).map((l) => l.id);
}

/** A cooperative of this bid that is already in another offer for a lot this bid answers. */
export interface OfferClash {
  lot: Pick<LotFacts, "number" | "title">;
  cooperativeName: string;
}

/**
 * The message for a clash with the buyer's ban on multiple offers: it names the lot and the
 * cooperative of this bid, never the other offer (a competitor's bid is not the viewer's to see).
 */
export function offerClashMessage(clash: OfferClash): string {
  return `${lotLabel(clash.lot)}: ${clash.cooperativeName} is already in another offer for this lot, and the buyer forbids multiple offers (one offer per cooperative and lot, alone or in a group).`;
}
