import type { AuthChecker } from "type-graphql";
import type { Context } from "../context";
import { ForbiddenError, UnauthenticatedError } from "../common/errors";
import type { Rule } from "./roles";
import { scopesOfField } from "./scopes";

/**
 * `@Authorized()` lets in any signed-in person; `@Authorized(roles)` the people with one of the
 * roles. An API token passes only where the field declares one of its scopes with `@Scopes`,
 * whatever the roles. Per-record rules live in policies.
 */
export const authChecker: AuthChecker<Context, Rule> = ({ context, info }, rules) => {
  const { viewer } = context;
  if (viewer.kind === "ANONYMOUS") throw new UnauthenticatedError();
  if (viewer.kind === "API_TOKEN") {
    const opening = scopesOfField(info);
    if (opening.some((scope) => viewer.scopes.includes(scope))) return true;
    throw new ForbiddenError(
      opening.length ? `This API token lacks the scope this field needs (${opening.join(" or ")}).` : "API tokens may not use this field.",
    );
  }
  if (rules.length === 0 || rules.includes(viewer.role)) return true;
  throw new ForbiddenError();
};
