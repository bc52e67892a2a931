import { Arg, Args, Authorized, Ctx, Field, FieldResolver, Float, ID, Info, Int, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import type { GraphQLResolveInfo } from "graphql";
import type { Context } from "../context";
import { PageInfo } from "../common/pagination";
import { requestsField, requestsPath, selectedFieldNames } from "../common/selection";
import { ApiScope } from "../auth/roles";
import { Scopes } from "../auth/scopes";
import { User } from "../auth/user.entity";
import { Cooperative, CooperativeReference, CooperativeSkill, Membership } from "./cooperative.entity";
import { AddMemberInput, CooperativesArgs, CreateCooperativeInput, ReferenceInput, SkillInput, UpdateCooperativeInput } from "./cooperative.inputs";
import { canOnCooperative } from "./cooperative.policy";
import { listCooperatives, preloadedSkills } from "./cooperative.directory";
import { roleIn } from "../auth/actor";
import { loadCooperative } from "./cooperative.queries";
import * as service from "./cooperative.usecases";
import { inviteMember } from "./invitation.service";

@ObjectType("CooperativeEdge", { description: "One cooperative in a page of the directory, with its cursor." })
class CooperativeEdge {
  @Field({ description: "Opaque cursor of this item." })
  cursor!: string;

  @Field(() => Cooperative, { description: "The cooperative." })
  node!: Cooperative;

  @Field(() => Float, {
    nullable: true,
    description: "Great-circle distance in kilometres from the centre of `filter.near` to the cooperative's point; null without `near`.",
  })
  distanceKm!: number | null;
}

@ObjectType("CooperativeConnection", { description: "A page of cooperatives (Relay cursor connection)." })
class CooperativeConnection {
  @Field(() => [CooperativeEdge], { description: "The cooperatives of this page, in order." })
  edges!: CooperativeEdge[];

  @Field(() => PageInfo, { description: "Where this page stands in the list." })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: "How many items the whole list holds, across pages." })
  totalCount!: number;
}

@Resolver(() => Cooperative)
export class CooperativeResolver {
  @Authorized()
  @Scopes(ApiScope.READ)
  @Query(() => Cooperative, {
    nullable: true,
    description:
      "One cooperative by id. Null, with a NOT_FOUND error at this path, when there is none or the viewer may not see it: the rest of the answer stands.",
  })
  cooperative(@Arg("id", () => ID, { description: "Global id." }) id: string, @Ctx() ctx: Context): Promise<Cooperative | null> {
    return loadCooperative(ctx, id);
  }

  @Authorized()
  @Scopes(ApiScope.READ)
  @Query(() => CooperativeConnection, { description: "The cooperative directory, filtered and paged." })
  cooperatives(@Args(() => CooperativesArgs) args: CooperativesArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return listCooperatives(ctx, args, {
      totalCount: requestsField(info, "totalCount"),
      nodeFields: selectedFieldNames(info, ["edges", "node"]),
      skillFields: requestsPath(info, ["edges", "node", "skills"]) ? selectedFieldNames(info, ["edges", "node", "skills"]) : null,
    });
  }

  @FieldResolver(() => [CooperativeSkill], { description: "Competences, strongest first." })
  skills(@Root() cooperative: Cooperative, @Ctx() ctx: Context): CooperativeSkill[] | Promise<CooperativeSkill[]> {
    return preloadedSkills(cooperative) ?? ctx.loaders.skillsByCooperative.load(cooperative.id);
  }

  @FieldResolver(() => [CooperativeReference], { description: "Past contracts cited as references, newest first." })
  references(@Root() cooperative: Cooperative, @Ctx() { loaders }: Context): Promise<CooperativeReference[]> {
    return loaders.referencesByCooperative.load(cooperative.id);
  }

  @FieldResolver(() => [Membership], {
    nullable: true,
    description: "The people of the cooperative: visible to its members, officers and admins; null for others.",
  })
  async members(@Root() cooperative: Cooperative, @Ctx() ctx: Context): Promise<Membership[] | null> {
    if (!canOnCooperative(ctx.viewer, "seeMembers", await roleIn(ctx, cooperative.id))) return null;
    return ctx.loaders.membersByCooperative.load(cooperative.id);
  }

  @FieldResolver(() => Boolean, { description: "Whether the viewer may edit this cooperative." })
  async viewerCanEdit(@Root() cooperative: Cooperative, @Ctx() ctx: Context): Promise<boolean> {
    return canOnCooperative(ctx.viewer, "edit", await roleIn(ctx, cooperative.id));
  }

  @Authorized()
  @Mutation(() => Cooperative, { description: "Registers a cooperative; a member who registers it becomes its owner." })
  createCooperative(
    @Arg("input", () => CreateCooperativeInput, { description: "The cooperative to register." }) input: CreateCooperativeInput,
    @Ctx() ctx: Context,
  ) {
    return service.createCooperative(ctx, input);
  }

  @Authorized()
  @Mutation(() => Cooperative, { description: "Changes a cooperative: its owners, officers and admins." })
  updateCooperative(
    @Arg("id", () => ID, { description: "Global id." }) id: string,
    @Arg("input", () => UpdateCooperativeInput, { description: "The changes." }) input: UpdateCooperativeInput,
    @Ctx() ctx: Context,
  ) {
    return service.updateCooperative(ctx, id, input);
  }

  @Authorized()
  @Mutation(() => Cooperative, { description: "Adds a skill, or changes its level." })
  setCooperativeSkill(
    @Arg("cooperativeId", () => ID, { description: "The cooperative." }) cooperativeId: string,
    @Arg("skill", () => SkillInput, { description: "Code and level." }) skill: SkillInput,
    @Ctx() ctx: Context,
  ) {
    return service.setSkill(ctx, cooperativeId, skill);
  }

  @Authorized()
  @Mutation(() => Cooperative, { description: "Removes a skill." })
  removeCooperativeSkill(
    @Arg("cooperativeId", () => ID, { description: "The cooperative." }) cooperativeId: string,
    @Arg("code", () => String, { description: "CPV code of the skill." }) code: string,
    @Ctx() ctx: Context,
  ) {
    return service.removeSkill(ctx, cooperativeId, code);
  }

  @Authorized()
  @Mutation(() => CooperativeReference, { description: "Adds a reference (past contract)." })
  addCooperativeReference(
    @Arg("cooperativeId", () => ID, { description: "The cooperative." }) cooperativeId: string,
    @Arg("reference", () => ReferenceInput, { description: "The reference." }) reference: ReferenceInput,
    @Ctx() ctx: Context,
  ) {
    return service.addReference(ctx, cooperativeId, reference);
  }

  @Authorized()
  @Mutation(() => Cooperative, { description: "Removes a reference; returns its cooperative." })
  removeCooperativeReference(@Arg("id", () => ID, { description: "Global id." }) id: string, @Ctx() ctx: Context) {
    return service.removeReference(ctx, id);
  }

  @Authorized()
  @Mutation(() => Membership, {
    nullable: true,
    description: "Invites a person (by e-mail address) to a cooperative, like `inviteCooperativeMember`, and returns null: nobody joins without accepting.",
    deprecationReason:
      "Since 2026-12-06 membership is an invitation the person accepts: use inviteCooperativeMember (it returns the invitation), and setCooperativeMemberRole to change a member's role. This field now only sends the invitation and returns null.",
  })
  async addCooperativeMember(
    @Arg("input", () => AddMemberInput, { description: "Cooperative, person and role." }) input: AddMemberInput,
    @Ctx() ctx: Context,
  ): Promise<Membership | null> {
    await inviteMember(ctx, input);
    return null;
  }

  @Authorized()
  @Mutation(() => Cooperative, { description: "Removes a person from a cooperative (or lets them leave); the last owner stays." })
  removeCooperativeMember(
    @Arg("cooperativeId", () => ID, { description: "The cooperative." }) cooperativeId: string,
    @Arg("userId", () => ID, { description: "The person." }) userId: string,
    @Ctx() ctx: Context,
  ) {
    return service.removeMember(ctx, cooperativeId, userId);
  }
}

@Resolver(() => Membership)
export class MembershipResolver {
  @FieldResolver(() => User, { description: "The person." })
  user(@Root() membership: Membership): User {
    return membership.user;
  }
}
