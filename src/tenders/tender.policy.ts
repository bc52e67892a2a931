import { ApiScope, PlatformRole } from "../auth/roles";
import { hasScope, isAdmin, isStaff, type Viewer } from "../auth/viewer";
import { ForbiddenError, NotFoundError } from "../common/errors";
import { isOrderClient } from "../clients/client.policy";
import { TenderKind, TenderStatus } from "./tender.enums";

/** The facts about a tender its rules need, so that the policy stays pure. */
export interface TenderFacts {
  id: string;
  kind: TenderKind;
  status: TenderStatus;
  clientId: string | null;
  /** The client organisation of a direct order (src/clients/). */
  clientOrganisationId: string | null;
  createdById: string | null;
  assignedOfficerId: string | null;
}

/** What a viewer's cooperatives have to do with the tender (only asked for members). */
export interface ViewerLinks {
  /** One of the viewer's cooperatives is shortlisted for it. */
  shortlisted: boolean;
  /** A CLIENT viewer's own organisation (asked for clients only). */
  clientOrganisationId?: string | null;
}

export type TenderAction = "read" | "edit" | "transition" | "shortlist" | "recordOutcome" | "cancelOwnOrder" | "editOwnOrder";

const NO_LINKS: ViewerLinks = { shortlisted: false };

/** The viewer is a person of the order's client (src/clients/client.policy.ts). */
function ordersClient(viewer: Viewer, t: TenderFacts, links: ViewerLinks): boolean {
  return t.kind === TenderKind.DIRECT_ORDER && isOrderClient(viewer, t, links.clientOrganisationId ?? null);
}

/**
 * Whether a draft belongs to the viewer: its author, its assigned officer, its client; admins
 * see every draft, and drafts imported from notices (no author) belong to the staff.
 */
function ownsDraft(viewer: Viewer, t: TenderFacts, links: ViewerLinks): boolean {
  if (viewer.kind !== "USER") return false;
  if (isAdmin(viewer)) return true;
  if (ordersClient(viewer, t, links)) return true;
  if (t.createdById === viewer.userId || t.assignedOfficerId === viewer.userId) return true;
  return viewer.role === PlatformRole.MISSION_OFFICER && t.createdById === null && t.clientId === null;
}

/**
 * Who sees a tender:
 * - a draft: only those it belongs to (see `ownsDraft`);
 * - admins and officers: every published tender and order;
 * - a client: only the orders of their organisation (`isOrderClient`);
 * - a cooperative member: published tenders and calls, and published direct orders their
 *   cooperative is shortlisted for (a client's order is not broadcast to the whole federation);
 * - an integrator's token: published tenders and calls.
 */
export function canReadTender(viewer: Viewer, t: TenderFacts, links: ViewerLinks = NO_LINKS): boolean {
  if (t.status === TenderStatus.DRAFT) return ownsDraft(viewer, t, links);
  switch (viewer.kind) {
    case "ANONYMOUS":
      return false;
    case "API_TOKEN":
      return t.kind !== TenderKind.DIRECT_ORDER;
    case "USER":
      if (isStaff(viewer)) return true;
      if (viewer.role === PlatformRole.CLIENT) return ordersClient(viewer, t, links);
      return t.kind !== TenderKind.DIRECT_ORDER || links.shortlisted;
  }
}

/** Rules beyond reading; the caller has already checked that the viewer may read the tender. */
export function canOnTender(viewer: Viewer, action: TenderAction, t: TenderFacts, links: ViewerLinks = NO_LINKS): boolean {
  switch (action) {
    case "read":
      return canReadTender(viewer, t, links);
    case "edit":
    case "transition":
    case "shortlist":
    case "recordOutcome":
      return isStaff(viewer);
    case "cancelOwnOrder":
      return isStaff(viewer) || ordersClient(viewer, t, links);
    case "editOwnOrder":
      return ordersClient(viewer, t, links);
  }
}

/** NOT_FOUND when the viewer may not even see the tender, FORBIDDEN when they may see but not act. */
export function authorizeTender(viewer: Viewer, action: TenderAction, t: TenderFacts, links?: ViewerLinks, globalId?: string): void {
  if (!canReadTender(viewer, t, links)) throw new NotFoundError("Tender", globalId);
  if (action !== "read" && !canOnTender(viewer, action, t, links)) {
    throw new ForbiddenError(
      action === "cancelOwnOrder" || action === "editOwnOrder"
        ? "Only mission officers, admins or the order's client may do this."
        : "Only mission officers and admins may do this with a tender.",
    );
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
