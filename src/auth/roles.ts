import { registerEnumType } from "type-graphql";

/** Platform-wide role of a user account. */
export enum PlatformRole {
  ADMIN = "ADMIN",
  MISSION_OFFICER = "MISSION_OFFICER",
  MEMBER = "MEMBER",
  CLIENT = "CLIENT",
}

registerEnumType(PlatformRole, {
  name: "PlatformRole",
  description: "What a user may do on the platform as a whole.",
  valuesConfig: {
    ADMIN: { description: "Runs the platform: every right." },
    MISSION_OFFICER: { description: "Chargé de mission: follows tenders, preselects and invites cooperatives." },
    MEMBER: { description: "Works in one or more member cooperatives." },
    CLIENT: { description: "A client company placing direct orders." },
  },
});

/**
 * Role names `@Authorized` accepts: the platform roles. `@Authorized()` with no role means "any
 * signed-in person"; API tokens are let in by the field's `@Scopes` (src/auth/scopes.ts).
 */
export type Rule = PlatformRole;

/** Roles that act for the federation over every record. */
export const STAFF: readonly PlatformRole[] = [PlatformRole.ADMIN, PlatformRole.MISSION_OFFICER];

/** Scopes an API token may carry. */
export enum ApiScope {
  READ = "READ",
  IMPORT_NOTICES = "IMPORT_NOTICES",
}

registerEnumType(ApiScope, {
  name: "ApiScope",
  description: "What an integrator's API token may do.",
  valuesConfig: {
    READ: { description: "Read the directory, tenders and matches." },
    IMPORT_NOTICES: { description: "Import eForms notices." },
  },
});
