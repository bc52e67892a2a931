import type { Viewer } from "../auth/viewer";
import { isStaff } from "../auth/viewer";
import { ForbiddenError } from "../common/errors";
import { MemberRole } from "./cooperative.enums";

export type CooperativeAction = "read" | "edit" | "seeMembers" | "create";

/**
 * Who may do what with a cooperative. `role` is the viewer's role in that cooperative (null when
 * not a member). The directory itself is readable by every signed-in user and integrator.
 */
export function canOnCooperative(viewer: Viewer, action: CooperativeAction, role: MemberRole | null): boolean {
  switch (action) {
    case "read":
      return viewer.kind !== "ANONYMOUS";
    case "create":
      return viewer.kind === "USER" && (isStaff(viewer) || viewer.role === "MEMBER");
    case "edit":
      return isStaff(viewer) || role === MemberRole.OWNER;
    case "seeMembers":
      return isStaff(viewer) || role !== null;
  }
}

export function authorizeCooperative(viewer: Viewer, action: CooperativeAction, role: MemberRole | null): void {
  if (!canOnCooperative(viewer, action, role)) {
    throw new ForbiddenError(action === "edit" ? "Only an owner of this cooperative, an officer or an admin may change it." : undefined);
  }
}
