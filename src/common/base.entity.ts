import { randomUUID } from "node:crypto";
import { PrimaryKey, Property, type Opt } from "@mikro-orm/core";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, ObjectType } from "type-graphql";
import { Node } from "./node";

/** Columns every table has: a uuid key and creation/update times. */
@ObjectType("BaseEntity", { description: "Columns shared by every record; never emitted on its own." })
export abstract class BaseEntity extends Node {
  @PrimaryKey({ type: "uuid" })
  override id: string = randomUUID();

  @Field(() => GraphQLDateTimeISO, { description: "When this record was created." })
  @Property({ type: "datetime", defaultRaw: "now()" })
  createdAt: Opt<Date> = new Date();

  @Field(() => GraphQLDateTimeISO, { description: "When this record last changed." })
  @Property({ type: "datetime", defaultRaw: "now()", onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();
}

/**
 * A read-only object of an entity class, for hot read paths: own data properties defined
 * directly, so none of the ORM's tracking setters on the prototype run (they would create the
 * entity's helper, the costliest part of loading). Such an object is never flushed.
 */
export function readOnlyEntity<T extends object>(type: abstract new (...args: never[]) => T, values: Partial<T>): T {
  // The values object already owns its properties: giving it the class's prototype afterwards
  // runs no setter (Object.assign onto an instance would).
  return Object.setPrototypeOf({ ...values }, type.prototype as object) as T;
}
