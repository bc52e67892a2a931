import type { EntityManager } from "@mikro-orm/postgresql";
import { PlatformRole } from "../auth/roles";
import type { Viewer } from "../auth/viewer";
import { isOrderClient } from "./client.policy";

/** The client organisation of a CLIENT viewer; null for anyone else or a client without one. */
export async function viewerOrganisationId(em: EntityManager, viewer: Viewer): Promise<string | null> {
  if (viewer.kind !== "USER" || viewer.role !== PlatformRole.CLIENT) return null;
  const rows = await em.execute<{ org: string | null }[]>("SELECT client_organisation_id AS org FROM users WHERE id = ?", [viewer.userId]);
  return rows[0]?.org ?? null;
}

/**
 * Whether the viewer is a person of the client of this order (tender id): the rule of
 * `isOrderClient`, with the facts read from the database. For other features (conversations,
 * files) that open a record of an order to its client.
 */
export async function viewerIsOrderClient(em: EntityManager, viewer: Viewer, tenderId: string): Promise<boolean> {
  if (viewer.kind !== "USER" || viewer.role !== PlatformRole.CLIENT) return false;
  const rows = await em.execute<{ client_id: string | null; client_organisation_id: string | null }[]>(
    "SELECT client_id, client_organisation_id FROM tenders WHERE id = ? AND kind = 'DIRECT_ORDER'",
    [tenderId],
  );
  const row = rows[0];
  if (!row) return false;
  return isOrderClient(viewer, { clientId: row.client_id, clientOrganisationId: row.client_organisation_id }, await viewerOrganisationId(em, viewer));
}
