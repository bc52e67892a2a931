import type { AuthChecker } from "type-graphql";
import type { Context } from "../context";
import { ForbiddenError, UnauthenticatedError } from "../common/errors";
import { INTEGRATOR, type Rule } from "./roles";

/**
 * `@Authorized()` lets in any signed-in user or token; `@Authorized(roles)` the users with one
 * of the roles, and API tokens when `INTEGRATOR` is listed. Per-record rules live in policies.
 */
export const authChecker: AuthChecker<Context, Rule> = ({ context }, rules) => {
  const { viewer } = context;
  if (viewer.kind === "ANONYMOUS") throw new UnauthenticatedError();
  if (rules.length === 0) return true;
  if (viewer.kind === "API_TOKEN") {
    if (rules.includes(INTEGRATOR)) return true;
    throw new ForbiddenError("This API token may not do this.");
  }
  if (rules.includes(viewer.role)) return true;
  throw new ForbiddenError();
};
