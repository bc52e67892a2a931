import { PlatformRole } from "../auth/roles";
import { isStaff, type Viewer } from "../auth/viewer";

/** Who placed a direct order, for the rules: its organisation, and the person who placed it. */
export interface OrderClientFacts {
  clientId: string | null;
  clientOrganisationId: string | null;
}

/**
 * The one rule "this viewer is a person of the order's client": a CLIENT account of the order's
 * client organisation; an order with no organisation (placed by a client who has none yet) belongs
 * to the person who placed it. `viewerOrganisationId` is the viewer's own organisation (users
 * column `client_organisation_id`), gathered by the caller (see `viewerIsOrderClient`). The SQL
 * twin of this rule is `orderClientSql`, below: change both together.
 */
export function isOrderClient(viewer: Viewer, order: OrderClientFacts, viewerOrganisationId: string | null): boolean {
  if (viewer.kind !== "USER" || viewer.role !== PlatformRole.CLIENT) return false;
  if (order.clientOrganisationId !== null) return viewerOrganisationId !== null && order.clientOrganisationId === viewerOrganisationId;
  return order.clientId !== null && order.clientId === viewer.userId;
}

/** `isOrderClient` as SQL over `tenders t`, for a CLIENT viewer (parameters: the user id twice). */
export function orderClientSql(userId: string): { sql: string; params: unknown[] } {
  return {
    sql: `(CASE WHEN t.client_organisation_id IS NOT NULL
                THEN t.client_organisation_id = (SELECT u.client_organisation_id FROM users u WHERE u.id = ?)
                ELSE t.client_id = ? END) IS TRUE`,
    params: [userId, userId],
  };
}

/** Who reads an organisation (its name, people, orders): its own people and the staff. */
export function canReadOrganisation(viewer: Viewer, organisationId: string, viewerOrganisationId: string | null): boolean {
  if (isStaff(viewer)) return true;
  return viewer.kind === "USER" && viewer.role === PlatformRole.CLIENT && viewerOrganisationId === organisationId;
}
