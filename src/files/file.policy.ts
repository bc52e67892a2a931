import type { Viewer } from "../auth/viewer";
import { ForbiddenError, NotFoundError } from "../common/errors";
import { canOnTender, canReadTender, type TenderFacts, type ViewerLinks } from "../tenders/tender.policy";

export type TenderDocumentAction = "read" | "attach";

/**
 * The one rule for a tender's documents (the DCE), on top of the tender policy:
 * - read: whoever may see the tender;
 * - attach (upload, delete): mission officers and admins, and the client of a direct order on its
 *   own order — the same person `cancelOwnOrder` names, so this follows when the client side of an
 *   order moves to client organisations.
 */
export function canOnTenderDocuments(viewer: Viewer, action: TenderDocumentAction, t: TenderFacts, links?: ViewerLinks): boolean {
  if (!canReadTender(viewer, t, links)) return false;
  if (action === "read") return true;
  return canOnTender(viewer, "edit", t) || canOnTender(viewer, "cancelOwnOrder", t);
}

/** NOT_FOUND when the viewer may not see the tender, FORBIDDEN when they may see but not attach. */
export function authorizeTenderDocuments(viewer: Viewer, action: TenderDocumentAction, t: TenderFacts, links?: ViewerLinks, globalId?: string): void {
  if (!canReadTender(viewer, t, links)) throw new NotFoundError("Tender", globalId);
  if (!canOnTenderDocuments(viewer, action, t, links)) {
    throw new ForbiddenError("Only mission officers, admins and the client of the order may add or delete a tender's documents.");
  }
}
