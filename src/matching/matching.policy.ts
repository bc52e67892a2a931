import type { Viewer } from "../auth/viewer";
import { hasScope, isStaff } from "../auth/viewer";
import { ApiScope } from "../auth/roles";
import type { MemberRole } from "../cooperatives/cooperative.enums";
import { ForbiddenError } from "../common/errors";

/**
 * Rankings of the whole directory are the officers' preselection tool (and readable by
 * integrators with READ); a cooperative's own fit and opportunities are for its members too.
 * Completing an offer around a lead is for that lead's members.
 */
export function canRankDirectory(viewer: Viewer): boolean {
  return isStaff(viewer) || hasScope(viewer, ApiScope.READ);
}

export function canSeeCooperativeFit(viewer: Viewer, role: MemberRole | null): boolean {
  return canRankDirectory(viewer) || role !== null;
}

export function authorizeMatching(allowed: boolean, what: string): void {
  if (!allowed) throw new ForbiddenError(`Only mission officers, admins and integrators may see ${what}.`);
}
