import { BadInputError } from "../common/errors";
import { assertVersion, checkExpectedVersion } from "../common/version";
import { decodeId, toGlobalId } from "../common/node";
import * as v from "../common/validate";
import type { Actor } from "../auth/actor";
import { Bid, BidPriceLine } from "./bid.entity";
import { BidEventType } from "./bid.enums";
import type { AddPriceLineInput, RemovePriceLineInput, UpdatePriceLineInput } from "./bid.inputs";
import { assertContentEditable } from "./bid.lifecycle";
import { assertCanEditPriceLine } from "./bid.rights";
import { activeMemberOfBid, lotOfBid } from "./bid.queries";
import { priceLineState } from "./bid.presenters";
import { eurosToCents } from "./bid.totals";
import { bidRecord, mutateBid, resultRef } from "./bid.tx";

const gid = toGlobalId;
const MAX_UNIT_PRICE = 10_000_000;

function quantity(field: string, value: number): number {
  const q = v.decimal(field, value, 0, 1_000_000);
  if (q <= 0) throw new BadInputError(field, "must be more than 0");
  if (Math.abs(Math.round(q * 1000) - q * 1000) > 1e-6) throw new BadInputError(field, "at most 3 decimals");
  return q;
}

function unitPrice(field: string, value: number): number {
  v.decimal(field, value, 0, MAX_UNIT_PRICE);
  const cents = eurosToCents(value);
  if (cents === null) throw new BadInputError(field, "at most 2 decimals");
  return cents;
}

function description(field: string, value: string): string {
  return v.text(field, value, { max: 500 });
}

export async function addPriceLine(actor: Actor, input: AddPriceLineInput): Promise<BidPriceLine> {
  const bidId = decodeId("Bid", input.bidId, "input.bidId");
  const text = description("input.description", input.description);
  const q = quantity("input.quantity", input.quantity);
  const cents = unitPrice("input.unitPrice", input.unitPrice);
  return mutateBid(actor, bidId, { action: "edit", operation: "addPriceLine", input, globalId: input.bidId }, async (tx) => {
    assertContentEditable(tx.bid.status);
    const lot = await lotOfBid(tx, input.lotId, "input.lotId");
    const member = await activeMemberOfBid(tx, input.memberId, "input.memberId");
    assertCanEditPriceLine(tx.access, member.id);
    const line = tx.em.create(BidPriceLine, { bid: tx.bid, lot, member, description: text, quantity: q, unitPriceCents: cents });
    await tx.em.flush();
    await tx.append(BidEventType.PRICE_LINE_ADDED, priceLineState(line), { result: resultRef("BidPriceLine", line.id) });
    return line;
  });
}

export async function updatePriceLine(actor: Actor, input: UpdatePriceLineInput): Promise<BidPriceLine> {
  const { id: lineId, bidId, notFound } = await bidRecord(actor, "BidPriceLine", input.priceLineId, "input.priceLineId");
  const text = input.description == null ? null : description("input.description", input.description);
  const q = input.quantity == null ? null : quantity("input.quantity", input.quantity);
  const cents = input.unitPrice == null ? null : unitPrice("input.unitPrice", input.unitPrice);
  checkExpectedVersion(input.expectedVersion);
  return mutateBid(actor, bidId, { action: "edit", operation: "updatePriceLine", input, notFound }, async (tx) => {
    assertContentEditable(tx.bid.status);
    const line = await tx.em.findOneOrFail(BidPriceLine, { id: lineId }, { refresh: true });
    assertVersion(input.expectedVersion, line.version, "price line", () => priceLineState(line));
    assertCanEditPriceLine(tx.access, line.member.id);
    if (input.lotId != null) line.lot = await lotOfBid(tx, input.lotId, "input.lotId");
    if (input.memberId != null) {
      line.member = await activeMemberOfBid(tx, input.memberId, "input.memberId");
      assertCanEditPriceLine(tx.access, line.member.id);
    }
    if (text !== null) line.description = text;
    if (q !== null) line.quantity = q;
    if (cents !== null) line.unitPriceCents = cents;
    line.version += 1;
    await tx.append(BidEventType.PRICE_LINE_UPDATED, priceLineState(line), { result: resultRef("BidPriceLine", line.id) });
    return line;
  });
}

export async function removePriceLine(actor: Actor, input: RemovePriceLineInput): Promise<Bid> {
  const { id: lineId, bidId, notFound } = await bidRecord(actor, "BidPriceLine", input.priceLineId, "input.priceLineId");
  checkExpectedVersion(input.expectedVersion);
  return mutateBid(actor, bidId, { action: "edit", operation: "removePriceLine", input, notFound }, async (tx) => {
    assertContentEditable(tx.bid.status);
    const line = await tx.em.findOneOrFail(BidPriceLine, { id: lineId }, { refresh: true });
    assertVersion(input.expectedVersion, line.version, "price line", () => priceLineState(line));
    assertCanEditPriceLine(tx.access, line.member.id);
    tx.em.remove(line);
    await tx.append(BidEventType.PRICE_LINE_REMOVED, { priceLineId: gid("BidPriceLine", lineId) }, { result: resultRef("Bid", tx.bid.id) });
    return tx.bid;
  });
}
