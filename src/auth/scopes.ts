import type { GraphQLResolveInfo } from "graphql";
import { Extensions } from "type-graphql";
import { ApiScope } from "./roles";

/**
 * The API-token scopes that open a root field, next to its `@Authorized`: a token passes
 * `@Authorized` only on a field that names one of its scopes (src/auth/auth-checker.ts), so a
 * token never reaches a field without an explicit scope. People are not concerned.
 */
export function Scopes(...scopes: [ApiScope, ...ApiScope[]]): MethodDecorator & PropertyDecorator {
  return Extensions({ scopes });
}

/** The scopes declared on the field being resolved (none when it declares none). */
export function scopesOfField(info: GraphQLResolveInfo): readonly ApiScope[] {
  const declared = info.parentType.getFields()[info.fieldName]?.extensions?.scopes;
  return Array.isArray(declared) ? declared.filter((s): s is ApiScope => Object.values(ApiScope).includes(s as ApiScope)) : [];
}
