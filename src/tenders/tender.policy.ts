import { ApiScope, PlatformRole } from "../auth/roles";
import { hasScope, isAdmin, isStaff, type Viewer } from "../auth/viewer";
import { ForbiddenError, NotFoundError } from "../common/errors";
import { TenderKind, TenderStatus } from "./tender.enums";

/** The facts about a tender its rules need, so that the policy stays pure. */
export interface TenderFacts {
  id: string;
  kind: TenderKind;
  status: TenderStatus;
  clientId: string | null;
  createdById: string | null;
  assignedOfficerId: string | null;
}

/** What a viewer's cooperatives have to do with the tender (only asked for members). */
export interface ViewerLinks {
  /** One of the viewer's cooperatives is shortlisted for it. */
  shortlisted: boolean;
}

export type TenderAction = "read" | "edit" | "transition" | "shortlist" | "recordOutcome" | "cancelOwnOrder";

/**
 * Whether a draft belongs to the viewer: its author, its assigned officer, its client; admins
 * see every draft, and drafts imported from notices (no author) belong to the staff.
 */
function ownsDraft(viewer: Viewer, t: TenderFacts): boolean {
  if (viewer.kind !== "USER") return false;
  if (isAdmin(viewer)) return true;
  if (t.clientId === viewer.userId || t.createdById === viewer.userId || t.assignedOfficerId === viewer.userId) return true;
  return viewer.role === PlatformRole.MISSION_OFFICER && t.createdById === null && t.clientId === null;
}

/**
 * Who sees a tender:
 * - a draft: only those it belongs to (see `ownsDraft`);
 * - admins and officers: every published tender and order;
 * - a client: only their own orders;
 * - a cooperative member: published tenders and calls, and published direct orders their
 *   cooperative is shortlisted for (a client's order is not broadcast to the whole federation);
 * - an integrator's token: published tenders and calls.
 */
export function canReadTender(viewer: Viewer, t: TenderFacts, links: ViewerLinks = { shortlisted: false }): boolean {
  if (t.status === TenderStatus.DRAFT) return ownsDraft(viewer, t);
  switch (viewer.kind) {
    case "ANONYMOUS":
      return false;
    case "API_TOKEN":
      return t.kind !== TenderKind.DIRECT_ORDER;
    case "USER":
      if (isStaff(viewer)) return true;
      if (viewer.role === PlatformRole.CLIENT) return t.clientId === viewer.userId;
      return t.kind !== TenderKind.DIRECT_ORDER || links.shortlisted;
  }
}

/** Rules beyond reading; the caller has already checked that the viewer may read the tender. */
export function canOnTender(viewer: Viewer, action: TenderAction, t: TenderFacts): boolean {
  switch (action) {
    case "read":
      return canReadTender(viewer, t);
    case "edit":
    case "transition":
    case "shortlist":
    case "recordOutcome":
      return isStaff(viewer);
    case "cancelOwnOrder":
      return viewer.kind === "USER" && t.kind === TenderKind.DIRECT_ORDER && t.clientId === viewer.userId;
  }
}

/** NOT_FOUND when the viewer may not even see the tender, FORBIDDEN when they may see but not act. */
export function authorizeTender(viewer: Viewer, action: TenderAction, t: TenderFacts, links?: ViewerLinks, globalId?: string): void {
  if (!canReadTender(viewer, t, links)) throw new NotFoundError("Tender", globalId);
  if (action !== "read" && !canOnTender(viewer, action, t)) {
    throw new ForbiddenError("Only mission officers and admins may do this with a tender.");
  }
}

/** Who may create tenders: staff any kind; a client only direct orders (their own). */
export function canCreateTender(viewer: Viewer, kind: TenderKind): boolean {
  if (isStaff(viewer)) return true;
  return viewer.kind === "USER" && viewer.role === PlatformRole.CLIENT && kind === TenderKind.DIRECT_ORDER;
}

/** Importing notices: officers and admins, and integrators whose token has the IMPORT_NOTICES scope. */
export function canImportNotices(viewer: Viewer): boolean {
  return isStaff(viewer) || hasScope(viewer, ApiScope.IMPORT_NOTICES);
}

/** Business figures: officers and admins. */
export function canSeeBusinessVolume(viewer: Viewer): boolean {
  return isStaff(viewer);
}
