import { Field, ID, InterfaceType } from "type-graphql";
import type { Opt } from "@mikro-orm/core";
import { BadInputError } from "./errors";

/** Relay global ids: base64url of `Type:uuid`, so `node(id)` knows where to look. */
export function toGlobalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`, "utf8").toString("base64url");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function fromGlobalId(globalId: string): { type: string; id: string } | null {
  if (typeof globalId !== "string" || globalId.length > 200) return null;
  const decoded = Buffer.from(globalId, "base64url").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return null;
  const type = decoded.slice(0, colon);
  const id = decoded.slice(colon + 1);
  return UUID.test(id) ? { type, id: id.toLowerCase() } : null;
}

/**
 * Decodes a global id that must name a record of `type`; `field` names the argument in the
 * error. A well-formed id of another type is a bad argument too.
 */
export function decodeId(type: string, globalId: string, field: string): string {
  const parsed = fromGlobalId(globalId);
  if (!parsed || parsed.type !== type) throw new BadInputError(field, `not a valid ${type} id`);
  return parsed.id;
}

/** Every record type implements Node, so front-end caches can refetch anything by id. */
@InterfaceType("Node", {
  description: "An object with a global id, refetchable with `node(id)` (Relay global object identification).",
  resolveType: (value: object) => value.constructor.name,
})
export abstract class Node {
  /** The database key; GraphQL shows the global id instead. */
  id!: string;

  @Field(() => ID, { name: "id", description: "Globally unique, opaque id of this object." })
  get globalId(): Opt<string> {
    return toGlobalId(this.constructor.name, this.id);
  }
}
