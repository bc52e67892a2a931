import { Entity, Enum, Index, ManyToOne, Property, Unique, type Opt } from "@mikro-orm/core";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, ObjectType } from "type-graphql";
import { BaseEntity } from "../common/base.entity";
import { Node } from "../common/node";
import { ClientOrganisation } from "../clients/client.entity";
import { PlatformRole } from "./roles";

@ObjectType({ implements: Node, description: "A person with an account on the platform." })
@Entity({ tableName: "users" })
export class User extends BaseEntity {
  @Field({ description: "Sign-in email, unique, stored lower-case." })
  @Property({ type: "string", length: 254 })
  @Unique()
  email!: string;

  @Field({ description: "Display name." })
  @Property({ type: "string", length: 200 })
  name!: string;

  /** scrypt hash; never exposed. */
  @Property({ type: "string", length: 300, hidden: true, lazy: true })
  passwordHash!: string;

  @Field(() => PlatformRole, { description: "Role on the platform as a whole." })
  @Enum({ items: () => PlatformRole, nativeEnumName: "platform_role" })
  @Index()
  role: Opt<PlatformRole> = PlatformRole.MEMBER;

  @Field(() => GraphQLDateTimeISO, {
    nullable: true,
    description: "When the person proved they own the sign-in email; null until then, and until then they may only read their viewer, verify and sign out.",
  })
  @Property({ type: "datetime", nullable: true })
  emailVerifiedAt: Opt<Date> | null = null;

  /** The client organisation a CLIENT account belongs to (several people per organisation); null otherwise. */
  @ManyToOne(() => ClientOrganisation, { nullable: true, deleteRule: "set null" })
  @Index()
  clientOrganisation: ClientOrganisation | null = null;

  /** Bumped to invalidate every token issued before (sign-out everywhere, password change). */
  @Property({ type: "integer", default: 0 })
  tokenVersion: Opt<number> = 0;
}
