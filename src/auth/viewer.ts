import { ApiScope, PlatformRole, STAFF } from "./roles";

/** Who is asking: resolved once per request (HTTP) or per socket (WebSocket). */
export type Viewer =
  | { kind: "ANONYMOUS" }
  | {
      kind: "USER";
      userId: string;
      sessionId: string;
      /** The token's version of the account (a role change or "sign out everywhere" moves it on). */
      tokenVersion: number;
      role: PlatformRole;
      expiresAt: number;
      emailVerified: boolean;
    }
  | { kind: "API_TOKEN"; tokenId: string; scopes: ApiScope[] };

export const ANONYMOUS: Viewer = { kind: "ANONYMOUS" };

export function isStaff(viewer: Viewer): boolean {
  return viewer.kind === "USER" && STAFF.includes(viewer.role);
}

export function isAdmin(viewer: Viewer): boolean {
  return viewer.kind === "USER" && viewer.role === PlatformRole.ADMIN;
}

export function userIdOf(viewer: Viewer): string | null {
  return viewer.kind === "USER" ? viewer.userId : null;
}

export function hasScope(viewer: Viewer, scope: ApiScope): boolean {
  return viewer.kind === "API_TOKEN" && viewer.scopes.includes(scope);
}
