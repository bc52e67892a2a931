import type { Viewer } from "../auth/viewer";
import { ForbiddenError, NotFoundError } from "../common/errors";
import { canOnTender, canReadTender, type TenderFacts, type ViewerLinks } from "../tenders/tender.policy";

export type TenderDocumentAction = "read" | "attach";

/**
 * The one rule for a tender's documents (the DCE), on top of the tender policy:
 * - read: whoever may see the tender;
 * - attach (upload, delete): mission officers and admins, and the client of a direct order on its
 *   own order: the people `cancelOwnOrder` names (src/clients/client.policy.ts, the order's client
 *   organisation), which needs the viewer's links (`viewerLinks`).
 */
export function canOnTenderDocuments(viewer: Viewer, action: TenderDocumentAction, t: TenderFacts, links?: ViewerLinks): boolean {
  if (!canReadTender(viewer, t, links)) return false;
  if (action === "read") return true;
  return canOnTender(viewer, "edit", t, links) || canOnTender(viewer, "cancelOwnOrder", t, links);
}

/** NOT_FOUND when the viewer may not see the tender, FORBIDDEN when they may see but not attach. */
export function authorizeTenderDocuments(viewer: Viewer, action: TenderDocumentAction, t: TenderFacts, links?: ViewerLinks, globalId?: string): void {
  if (!canReadTender(viewer, t, links)) throw new NotFoundError("Tender", globalId);
  if (!canOnTenderDocuments(viewer, action, t, links)) {
    throw new ForbiddenError("Only mission officers, admins and the client of the order may add or delete a tender's documents.");
  }
}
