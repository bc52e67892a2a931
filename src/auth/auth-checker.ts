import type { AuthChecker } from "type-graphql";
import type { Context } from "../context";
import { AppError, ForbiddenError, UnauthenticatedError } from "../common/errors";
import type { Rule } from "./roles";
import { scopesOfField } from "./scopes";
import { allowsUnverified, isRootField } from "./unverified";

/** FORBIDDEN with `reason: EMAIL_NOT_VERIFIED`: the account exists but has not proved its address. */
export class EmailNotVerifiedError extends AppError {
  constructor() {
    super("FORBIDDEN", "Verify your e-mail address first: follow the link of the verification mail (or ask for a new one with resendVerification).", {
      reason: "EMAIL_NOT_VERIFIED",
    });
  }
}

/**
 * `@Authorized()` lets in any signed-in person; `@Authorized(roles)` the people with one of the
 * roles. An API token passes only where the field declares one of its scopes with `@Scopes`,
 * whatever the roles. A person whose e-mail address is not verified reaches no root field but
 * those marked `@AllowUnverified` (and the public ones: viewer, verifyEmail...). Per-record rules
 * live in policies.
 */
export const authChecker: AuthChecker<Context, Rule> = ({ context, info }, rules) => {
  const { viewer } = context;
  if (viewer.kind === "ANONYMOUS") throw new UnauthenticatedError();
  if (viewer.kind === "USER" && !viewer.emailVerified && isRootField(info) && !allowsUnverified(info)) throw new EmailNotVerifiedError();
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
