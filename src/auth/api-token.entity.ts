import { Entity, Enum, ManyToOne, Property, Unique, type Opt } from "@mikro-orm/core";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, ObjectType } from "type-graphql";
import { BaseEntity } from "../common/base.entity";
import { Node } from "../common/node";
import { ApiScope } from "./roles";
import { User } from "./user.entity";

@ObjectType({ implements: Node, description: "An integrator's API token. The secret is shown once, at creation." })
@Entity({ tableName: "api_tokens" })
export class ApiToken extends BaseEntity {
  @Field({ description: "What the token is for, chosen by the admin who created it." })
  @Property({ type: "string", length: 200 })
  name!: string;

  /** SHA-256 of the secret: tokens are long random strings, so a fast hash is enough. */
  @Property({ type: "string", length: 64, hidden: true })
  @Unique()
  secretHash!: string;

  @Field({ description: "First characters of the secret, to recognise it in a list." })
  @Property({ type: "string", length: 16 })
  prefix!: string;

  @Field(() => [ApiScope], { description: "What the token may do." })
  @Enum({ items: () => ApiScope, array: true, nativeEnumName: "api_scope" })
  scopes: Opt<ApiScope[]> = [];

  @ManyToOne(() => User, { deleteRule: "cascade" })
  createdBy!: User;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "When it was revoked; a revoked token is refused." })
  @Property({ type: "datetime", nullable: true })
  revokedAt: Date | null = null;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "When it was last used (to the minute)." })
  @Property({ type: "datetime", nullable: true })
  lastUsedAt: Date | null = null;
}
