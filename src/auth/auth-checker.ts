import type { AuthChecker } from "type-graphql";
import type { Context } from "../context";
import { AppError, ForbiddenError, UnauthenticatedError } from "../common/errors";
import { INTEGRATOR, type Rule } from "./roles";
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
 * `@Authorized()` lets in any signed-in user or token; `@Authorized(roles)` the users with one
 * of the roles, and API tokens when `INTEGRATOR` is listed. A person whose e-mail address is not
 * verified reaches no root field but those marked `@AllowUnverified` (and the public ones:
 * viewer, verifyEmail...). Per-record rules live in policies.
 */
export const authChecker: AuthChecker<Context, Rule> = ({ context, info }, rules) => {
  const { viewer } = context;
  if (viewer.kind === "ANONYMOUS") throw new UnauthenticatedError();
  if (viewer.kind === "USER" && !viewer.emailVerified && isRootField(info) && !allowsUnverified(info)) throw new EmailNotVerifiedError();
  if (rules.length === 0) return true;
  if (viewer.kind === "API_TOKEN") {
    if (rules.includes(INTEGRATOR)) return true;
    throw new ForbiddenError("This API token may not do this.");
  }
  if (rules.includes(viewer.role)) return true;
  throw new ForbiddenError();
};
