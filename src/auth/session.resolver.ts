import { Arg, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import type { Context } from "../context";
import { AuthPayload } from "./auth.inputs";
import * as sessions from "./sessions";
import { AllowUnverified } from "./unverified";

@Resolver()
export class SessionResolver {
  @Authorized()
  @AllowUnverified()
  @Mutation(() => Boolean, {
    description:
      "Ends the session of the token sent (or, with `everywhere`, every session of the person): its tokens are refused at once, over HTTP and on open sockets, on every instance. Always true.",
  })
  signOut(
    @Arg("everywhere", () => Boolean, { defaultValue: false, description: "End every session of the person, not only this one." }) everywhere: boolean,
    @Ctx() { em, viewer }: Context,
  ): Promise<boolean> {
    return sessions.signOut(em, viewer, everywhere);
  }

  @Authorized()
  @AllowUnverified()
  @Mutation(() => AuthPayload, {
    description:
      "A new token for the same session, expiring the configured time from now (a session lives 30 days at most from its sign-in). Call it before the token expires; the previous token stays valid until its own expiry unless the session is signed out.",
  })
  refreshSession(@Ctx() { em, viewer, auth }: Context): Promise<AuthPayload> {
    return sessions.refreshSession(em, auth, viewer);
  }
}
