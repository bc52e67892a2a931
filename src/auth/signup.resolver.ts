import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { Context } from "../context";
import { SignUpInput } from "./auth.inputs";
import { Public } from "./public";
import * as signup from "./signup.service";
import { AcceptedPayload } from "./signup.types";
import { User } from "./user.entity";

/** Opening an account and proving its e-mail address. */
@Resolver()
export class SignUpResolver {
  @Public()
  @Mutation(() => AcceptedPayload, {
    description:
      "Opens a MEMBER or CLIENT account and mails a verification link to the address. The answer is the same whether or not the address already has an account (its owner is told by mail); sign in once the address is verified. Rate-limited per address and per email.",
  })
  async signUp(@Arg("input", () => SignUpInput, { description: "Who is signing up." }) input: SignUpInput, @Ctx() ctx: Context): Promise<AcceptedPayload> {
    await ctx.app.signUpLimits.signUp(ctx.clientAddress, input.email);
    return signup.signUp(deps(ctx), input);
  }

  @Public()
  @Mutation(() => User, { description: "Confirms an e-mail address with the single-use token of the verification mail; the account may then act." })
  verifyEmail(@Arg("token", { description: "The token from the verification mail." }) token: string, @Ctx() ctx: Context): Promise<User> {
    return signup.verifyEmail(ctx.em, token);
  }

  @Public()
  @Mutation(() => AcceptedPayload, {
    description: "Mails a new verification link to an account that is not verified yet; the same answer for any address. Rate-limited like signUp.",
  })
  async resendVerification(@Arg("email", { description: "The address of the account." }) email: string, @Ctx() ctx: Context): Promise<AcceptedPayload> {
    await ctx.app.signUpLimits.signUp(ctx.clientAddress, email);
    return signup.resendVerification(deps(ctx), email);
  }
}

function deps(ctx: Context): signup.SignUpDeps {
  return { em: ctx.em, mailer: ctx.app.mailer, appUrl: ctx.app.config.mail.appUrl };
}
