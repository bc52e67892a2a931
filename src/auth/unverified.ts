import type { GraphQLResolveInfo } from "graphql";
import { Extensions } from "type-graphql";

/**
 * Marks an `@Authorized` root field that a person whose e-mail address is not verified yet may
 * still call (signing out, say). Every other one refuses them in the authChecker.
 */
export function AllowUnverified(): MethodDecorator & PropertyDecorator {
  return Extensions({ unverifiedEmail: "allowed" });
}

/** Whether the field being resolved is a root field: only those are gated on verification. */
export function isRootField(info: GraphQLResolveInfo): boolean {
  const { schema, parentType } = info;
  return parentType === schema.getQueryType() || parentType === schema.getMutationType() || parentType === schema.getSubscriptionType();
}

export function allowsUnverified(info: GraphQLResolveInfo): boolean {
  return info.parentType.getFields()[info.fieldName]?.extensions?.unverifiedEmail === "allowed";
}
