import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../context";
import { UnauthenticatedError } from "../common/errors";
import { ApiToken } from "./api-token.entity";
import { AuthPayload, CreateApiTokenInput, CreatedApiToken, SignInInput } from "./auth.inputs";
import * as auth from "./auth.service";
import { Public } from "./public";
import { PlatformRole } from "./roles";
import { User } from "./user.entity";

@Resolver()
export class AuthResolver {
  @Public()
  @Query(() => User, { nullable: true, description: "The signed-in user; null when anonymous or signed in with an API token." })
  async viewer(@Ctx() { em, viewer }: Context): Promise<User | null> {
    return viewer.kind === "USER" ? em.findOne(User, { id: viewer.userId }) : null;
  }

  @Public()
  @Mutation(() => AuthPayload, { description: "Signs in with email and password; the answer never tells which was wrong." })
  async signIn(@Arg("input", () => SignInInput, { description: "The credentials." }) input: SignInInput, @Ctx() ctx: Context): Promise<AuthPayload> {
    await ctx.limits.signIn(ctx.clientAddress, input.email);
    return auth.signIn(ctx.em, ctx.auth, input, { address: ctx.clientAddress });
  }

  @Authorized(PlatformRole.ADMIN)
  @Mutation(() => CreatedApiToken, { description: "Admins: creates an integrator's API token." })
  createApiToken(
    @Arg("input", () => CreateApiTokenInput, { description: "Name and scopes of the token." }) input: CreateApiTokenInput,
    @Ctx() { em, viewer }: Context,
  ) {
    if (viewer.kind !== "USER") throw new UnauthenticatedError();
    return auth.createApiToken(em, viewer.userId, input);
  }

  @Authorized(PlatformRole.ADMIN)
  @Mutation(() => ApiToken, { description: "Admins: revokes an API token at once." })
  revokeApiToken(@Arg("id", () => ID, { description: "The token to revoke." }) id: string, @Ctx() { em }: Context): Promise<ApiToken> {
    return auth.revokeApiToken(em, id);
  }

  @Authorized(PlatformRole.ADMIN)
  @Mutation(() => User, { description: "Admins: grants a platform role; the user's tokens stop working." })
  setUserRole(
    @Arg("userId", () => ID, { description: "The user." }) userId: string,
    @Arg("role", () => PlatformRole, { description: "The role to grant." }) role: PlatformRole,
    @Ctx() { em }: Context,
  ): Promise<User> {
    return auth.setUserRole(em, userId, role);
  }
}
