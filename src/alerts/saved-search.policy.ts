import { PlatformRole } from "../auth/roles";
import type { Viewer } from "../auth/viewer";

/** At most this many saved searches per person: each one is matched against every tender that opens. */
export const MAX_SAVED_SEARCHES = 50;

/**
 * Who saves searches: the people who look for tenders to answer, that is members and the staff.
 * Clients place orders rather than look for them, and integrators' tokens have no inbox.
 */
export const SEARCHING_ROLES: readonly PlatformRole[] = [PlatformRole.MEMBER, PlatformRole.MISSION_OFFICER, PlatformRole.ADMIN];

export function canSaveSearches(viewer: Viewer): boolean {
  return viewer.kind === "USER" && SEARCHING_ROLES.includes(viewer.role);
}

/** A saved search is its owner's alone: anyone else (admins included) finds it missing. */
export function ownsSavedSearch(viewer: Viewer, ownerId: string): boolean {
  return viewer.kind === "USER" && viewer.userId === ownerId;
}
