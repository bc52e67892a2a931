import { createHash } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { User } from "../auth/user.entity";
import { userIdOf, type Viewer } from "../auth/viewer";
import { InvalidStateError, NotFoundError } from "../common/errors";
import { decodeId } from "../common/node";
import type { Actor } from "../auth/actor";
import type { ParsedDocumentLink } from "../tenders/eforms/eforms.types";
import { Tender } from "../tenders/tender.entity";
import { tenderFacts, viewerLinks } from "../tenders/tender.queries";
import { TenderDocument } from "./file.entity";
import { TenderDocumentKind } from "./file.enums";
import { authorizeTenderDocuments, canOnTenderDocuments, type TenderDocumentAction } from "./file.policy";
import { nameKey } from "./file.types";
import { currentVersions, deletionRefusal } from "./file.versions";
import type { StoredUpload } from "./upload";

/** Whether the viewer may do `action` with the tender's documents (the shortlist asked only when it matters). */
async function mayOnDocuments(em: EntityManager, viewer: Viewer, tender: Tender, action: TenderDocumentAction): Promise<boolean> {
  const facts = tenderFacts(tender);
  if (canOnTenderDocuments(viewer, action, facts)) return true;
  return canOnTenderDocuments(viewer, action, facts, await viewerLinks(em, viewer, tender.id));
}

async function authorize(actor: Actor, tender: Tender, action: TenderDocumentAction, globalId?: string): Promise<void> {
  const facts = tenderFacts(tender);
  const links = canOnTenderDocuments(actor.viewer, action, facts) ? undefined : await viewerLinks(actor.em, actor.viewer, tender.id);
  authorizeTenderDocuments(actor.viewer, action, facts, links, globalId);
}

/** Before reading an upload's body: the tender exists for the viewer (else NOT_FOUND) and they may attach. */
export async function tenderForUpload(actor: Actor, globalId: string): Promise<Tender> {
  const id = decodeId("Tender", globalId, "tenderId");
  const tender = await actor.em.findOne(Tender, { id });
  if (!tender) throw new NotFoundError("Tender", globalId);
  await authorize(actor, tender, "attach", globalId);
  return tender;
}

/** The next version under a name: one more than the latest, deleted or not. */
async function latestOf<T extends TenderDocument>(em: EntityManager, tenderId: string, key: string): Promise<T | null> {
  return (await em.findOne(TenderDocument, { tender: tenderId, nameKey: key }, { orderBy: { version: "desc" } })) as T | null;
}

/**
 * Records an uploaded file as a document of the tender, under the tender's row lock (uploads of one
 * name get consecutive versions), checking access again as it is now.
 */
export async function recordTenderDocument(actor: Actor, tenderId: string, upload: StoredUpload): Promise<TenderDocument> {
  return actor.em.transactional(async (em) => {
    await em.execute("SELECT id FROM tenders WHERE id = ? FOR UPDATE", [tenderId]);
    const tender = await em.findOneOrFail(Tender, { id: tenderId }, { refresh: true });
    await authorize({ em, viewer: actor.viewer, loaders: actor.loaders }, tender, "attach");
    const key = nameKey(upload.fileName);
    const previous = await latestOf(em, tender.id, key);
    const userId = userIdOf(actor.viewer);
    return em.create(TenderDocument, {
      tender,
      kind: TenderDocumentKind.FILE,
      fileName: upload.fileName,
      nameKey: key,
      version: (previous?.version ?? 0) + 1,
      previousVersion: previous,
      contentType: upload.contentType,
      size: upload.size,
      sha256: upload.sha256,
      storage: upload.storage,
      storageKey: upload.storageKey,
      uploadedBy: userId ? em.getReference(User, userId) : null,
    });
  });
}

/** The tender's documents (current versions; with `includeDeleted`, those deleted last too). */
export async function listTenderDocuments(em: EntityManager, tenderId: string, includeDeleted: boolean): Promise<TenderDocument[]> {
  return currentVersions(await em.find(TenderDocument, { tender: tenderId }), includeDeleted);
}

/** Every version of a document's name, newest first. */
export function documentVersions(em: EntityManager, doc: TenderDocument): Promise<TenderDocument[]> {
  return em.find(TenderDocument, { tender: doc.tender.id, nameKey: doc.nameKey }, { orderBy: { version: "desc" } });
}

/** A document the viewer may read, or null (missing and hidden alike). */
export async function readableDocument(actor: Actor, id: string): Promise<TenderDocument | null> {
  const doc = await actor.em.findOne(TenderDocument, { id }, { populate: ["tender"] });
  if (!doc) return null;
  return (await mayOnDocuments(actor.em, actor.viewer, doc.tender, "read")) ? doc : null;
}

/** Marks the current version of a document deleted (who, when); its content is kept. */
export async function deleteTenderDocument(actor: Actor, globalId: string, now = new Date()): Promise<TenderDocument> {
  const id = decodeId("TenderDocument", globalId, "id");
  const found = await readableDocument(actor, id);
  if (!found) throw new NotFoundError("TenderDocument", globalId);
  return actor.em.transactional(async (em) => {
    await em.execute("SELECT id FROM tenders WHERE id = ? FOR UPDATE", [found.tender.id]);
    const tender = await em.findOneOrFail(Tender, { id: found.tender.id }, { refresh: true });
    await authorize({ em, viewer: actor.viewer, loaders: actor.loaders }, tender, "attach");
    const doc = await em.findOneOrFail(TenderDocument, { id }, { refresh: true });
    const latest = await latestOf(em, tender.id, doc.nameKey);
    const refusal = deletionRefusal(doc, latest?.version ?? doc.version);
    if (refusal) throw new InvalidStateError(refusal);
    const userId = userIdOf(actor.viewer);
    doc.deletedAt = now;
    doc.deletedBy = userId ? em.getReference(User, userId) : null;
    return doc;
  });
}

/** A link's name key: its address, hashed (addresses are long and case-sensitive). */
function linkKey(url: string): string {
  return `link:${createHash("sha256").update(url).digest("hex")}`;
}

/**
 * Brings the tender's link documents in line with an imported notice, in the import's
 * transaction: new addresses are added, addresses the notice no longer gives are marked deleted
 * (by nobody: the notice), unchanged ones are left alone. Nothing is downloaded.
 */
export async function syncNoticeLinks(em: EntityManager, tender: Tender, links: readonly ParsedDocumentLink[], now = new Date()): Promise<void> {
  const rows = await em.find(TenderDocument, { tender, kind: TenderDocumentKind.LINK });
  const current = currentVersions(rows, true);
  const wanted = new Map(links.map((link) => [linkKey(link.url), link]));
  for (const row of current) {
    const link = wanted.get(row.nameKey);
    if (link && row.deletedAt === null) {
      row.restricted = link.restricted;
      wanted.delete(row.nameKey);
    } else if (!link && row.deletedAt === null) {
      row.deletedAt = now;
    }
  }
  for (const [key, link] of wanted) {
    const previous = current.find((row) => row.nameKey === key) ?? null;
    em.create(TenderDocument, {
      tender,
      kind: TenderDocumentKind.LINK,
      fileName: (link.documentId ?? link.url).slice(0, 255),
      nameKey: key,
      version: (previous?.version ?? 0) + 1,
      previousVersion: previous,
      url: link.url,
      restricted: link.restricted,
    });
  }
  await em.flush();
}
