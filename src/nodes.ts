import { User } from "./auth/user.entity";
import { isStaff } from "./auth/viewer";
import { registerNode } from "./common/node-registry";
import { Cooperative, CooperativeReference, CooperativeSkill, Membership } from "./cooperatives/cooperative.entity";
import { canOnCooperative } from "./cooperatives/cooperative.policy";
import { roleIn } from "./cooperatives/cooperative.service";

/** How `node(id)` finds each type, with the same read rules as the type's own queries. */
registerNode("User", async (ctx, id) =>
  isStaff(ctx.viewer) || (ctx.viewer.kind === "USER" && ctx.viewer.userId === id) ? ctx.em.findOne(User, { id }) : null,
);
registerNode("Cooperative", (ctx, id) => ctx.em.findOne(Cooperative, { id }));
registerNode("CooperativeSkill", (ctx, id) => ctx.em.findOne(CooperativeSkill, { id }));
registerNode("CooperativeReference", (ctx, id) => ctx.em.findOne(CooperativeReference, { id }));
registerNode("Membership", async (ctx, id) => {
  const membership = await ctx.em.findOne(Membership, { id }, { populate: ["user"] });
  if (!membership) return null;
  return canOnCooperative(ctx.viewer, "seeMembers", await roleIn(ctx, membership.cooperative.id)) ? membership : null;
});
