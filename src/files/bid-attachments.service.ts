import type { EntityManager } from "@mikro-orm/postgresql";
import { User } from "../auth/user.entity";
import { BadInputError, ForbiddenError, InvalidStateError, NotFoundError } from "../common/errors";
import { decodeId, toGlobalId } from "../common/node";
import type { Actor } from "../auth/actor";
import { accessToBid } from "../bids/bid.access";
import { Bid } from "../bids/bid.entity";
import { BidEventType } from "../bids/bid.enums";
import { assertContentEditable } from "../bids/bid.lifecycle";
import { authorizeBid } from "../bids/bid.policy";
import { bidRecord, mutateBid, resultRef } from "../bids/bid.tx";
import { BidAttachment } from "./file.entity";
import { AttachmentCategory } from "./file.enums";
import { nameKey } from "./file.types";
import { currentVersions, deletionRefusal } from "./file.versions";
import type { StoredUpload } from "./upload";

const gid = toGlobalId;

export function attachmentCategory(field: string, value: string | null | undefined): AttachmentCategory {
  if (value === null || value === undefined || value === "") return AttachmentCategory.OTHER;
  const found = Object.values(AttachmentCategory).find((c) => c === value);
  if (!found) throw new BadInputError(field, `is not an attachment category (${Object.values(AttachmentCategory).join(", ")})`);
  return found;
}

/**
 * Before reading an upload's body, the same answers a bid change gets: NOT_FOUND for a bid the
 * viewer may not read, FORBIDDEN for the staff (they read bids, edit none), INVALID_STATE once the
 * content is frozen (submitted).
 */
export async function bidForUpload(actor: Actor, globalId: string): Promise<Bid> {
  const id = decodeId("Bid", globalId, "bidId");
  const bid = await actor.em.findOne(Bid, { id });
  if (!bid) throw new NotFoundError("Bid", globalId);
  authorizeBid(await accessToBid(actor.em, actor.viewer, bid.id), "edit", globalId);
  assertContentEditable(bid.status);
  return bid;
}

/** The attachment's event payload: what co-editors need to show it without a query. */
function payloadOf(a: BidAttachment): Record<string, unknown> {
  return {
    attachmentId: gid("BidAttachment", a.id),
    fileName: a.fileName,
    category: a.category,
    contentType: a.contentType,
    size: a.size,
    sha256: a.sha256,
    version: a.version,
    previousVersionId: a.previousVersion ? gid("BidAttachment", a.previousVersion.id) : null,
  };
}

async function latestOf(em: EntityManager, bidId: string, key: string): Promise<BidAttachment | null> {
  return em.findOne(BidAttachment, { bid: bidId, nameKey: key }, { orderBy: { version: "desc" } });
}

/**
 * Records a stored upload as an attachment of the bid through `mutateBid` (the bid's lock, access
 * checked again under it, the content still editable) and appends ATTACHMENT_ADDED, which
 * co-editors receive live.
 */
export async function recordBidAttachment(actor: Actor, bidId: string, category: AttachmentCategory, upload: StoredUpload): Promise<BidAttachment> {
  return mutateBid(actor, bidId, { action: "edit", operation: "uploadBidAttachment", input: {} }, async (tx) => {
    assertContentEditable(tx.bid.status);
    const key = nameKey(upload.fileName);
    const previous = await latestOf(tx.em, tx.bid.id, key);
    const attachment = tx.em.create(BidAttachment, {
      bid: tx.bid,
      category,
      fileName: upload.fileName,
      nameKey: key,
      version: (previous?.version ?? 0) + 1,
      previousVersion: previous,
      contentType: upload.contentType,
      size: upload.size,
      sha256: upload.sha256,
      storage: upload.storage,
      storageKey: upload.storageKey,
      uploadedBy: tx.actorId ? tx.em.getReference(User, tx.actorId) : null,
    });
    await tx.append(BidEventType.ATTACHMENT_ADDED, payloadOf(attachment), { result: resultRef("Bid", tx.bid.id) });
    return attachment;
  });
}

/** The bid's attachments (current versions; with `includeDeleted`, those deleted last too). */
export async function listBidAttachments(em: EntityManager, bidId: string, includeDeleted: boolean): Promise<BidAttachment[]> {
  return currentVersions(await em.find(BidAttachment, { bid: bidId }), includeDeleted);
}

export function attachmentVersions(em: EntityManager, attachment: BidAttachment): Promise<BidAttachment[]> {
  return em.find(BidAttachment, { bid: attachment.bid.id, nameKey: attachment.nameKey }, { orderBy: { version: "desc" } });
}

/**
 * Marks the current version of an attachment deleted (its content is kept) and appends
 * ATTACHMENT_DELETED. The people of the lead cooperative delete any attachment, the others those
 * they uploaded; frozen after submission like the rest of the content.
 */
export async function deleteBidAttachment(actor: Actor, globalId: string, now = new Date()): Promise<BidAttachment> {
  const { id, bidId, notFound } = await bidRecord(actor, "BidAttachment", globalId, "id");
  return mutateBid(actor, bidId, { action: "edit", operation: "deleteAttachment", input: {}, notFound }, async (tx) => {
    const attachment = await tx.em.findOne(BidAttachment, { id, bid: tx.bid.id }, { refresh: true });
    if (!attachment) throw notFound();
    if (!tx.access.lead && attachment.uploadedBy?.id !== tx.actorId) {
      throw new ForbiddenError("Only the lead cooperative's people and the person who uploaded it may delete an attachment.");
    }
    assertContentEditable(tx.bid.status);
    const latest = await latestOf(tx.em, tx.bid.id, attachment.nameKey);
    const refusal = deletionRefusal(attachment, latest?.version ?? attachment.version);
    if (refusal) throw new InvalidStateError(refusal);
    attachment.deletedAt = now;
    attachment.deletedBy = tx.actorId ? tx.em.getReference(User, tx.actorId) : null;
    await tx.append(
      BidEventType.ATTACHMENT_DELETED,
      { attachmentId: gid("BidAttachment", attachment.id), fileName: attachment.fileName, version: attachment.version },
      { result: resultRef("Bid", tx.bid.id) },
    );
    return attachment;
  });
}
