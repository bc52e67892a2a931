import { Arg, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import { PlatformRole } from "../auth/roles";
import type { Context } from "../context";
import { Cooperative } from "./cooperative.entity";
import { VerifyCooperativeInput } from "./cooperative.inputs";
import { verifyCooperative } from "./cooperative.verification";

@Resolver()
export class CooperativeVerificationResolver {
  @Authorized(PlatformRole.MISSION_OFFICER, PlatformRole.ADMIN)
  @Mutation(() => Cooperative, {
    description:
      "Officers and admins: confirms a cooperative registered by a member (PENDING becomes VERIFIED) after checking its SIRET in the Sirene register.",
  })
  verifyCooperative(
    @Arg("input", () => VerifyCooperativeInput, { description: "The cooperative and the SIRET checked." }) input: VerifyCooperativeInput,
    @Ctx() ctx: Context,
  ): Promise<Cooperative> {
    return verifyCooperative(ctx, input);
  }
}
