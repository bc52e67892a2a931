import { readableBidOf } from "../bids/bid.access";
import { fromGlobalId, toGlobalId } from "../common/node";
import type { Actor } from "../auth/actor";
import { BidAttachment, type TenderDocument } from "./file.entity";
import { readableDocument } from "./tender-documents.service";

/** Where a stored file is downloaded (with the same bearer token as the API). */
export function downloadPath(type: "TenderDocument" | "BidAttachment", id: string): string {
  return `/files/${toGlobalId(type, id)}`;
}

/** An attachment the viewer may read (the bid's rules: members and staff), or null, missing and hidden alike. */
export async function readableAttachment(actor: Actor, id: string): Promise<BidAttachment | null> {
  const bidId = await readableBidOf(actor.em, actor.viewer, "BidAttachment", id);
  return bidId ? actor.em.findOne(BidAttachment, { id, bid: bidId }) : null;
}

/** The file a download names, if the viewer may read it; null for a bad id, a missing file and a hidden one. */
export async function readableFile(actor: Actor, globalId: string): Promise<TenderDocument | BidAttachment | null> {
  const parsed = fromGlobalId(globalId);
  if (!parsed) return null;
  if (parsed.type === "TenderDocument") return readableDocument(actor, parsed.id);
  if (parsed.type === "BidAttachment") return readableAttachment(actor, parsed.id);
  return null;
}
