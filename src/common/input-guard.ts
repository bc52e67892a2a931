import {
  defaultFieldResolver,
  getNamedType,
  isInputObjectType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
} from "graphql";
import { BadInputError } from "./errors";
import { isUnicode, NOT_UNICODE } from "./validate";

/**
 * Refuses, before its resolver runs, every argument that holds a string which is not Unicode text
 * (a lone UTF-16 surrogate), wherever it is: a variable or an inline literal, an input field at any
 * depth, a list item, a custom scalar's content; over HTTP and WebSocket alike, since it is the
 * schema's own check. Services cannot store such text (it fails the jsonb write, or turns into
 * U+FFFD in a text column), and many strings (names, search, XML, cursors, ids) never pass through
 * `v.text`. The error names the path, e.g. `input.lots[0].title`.
 *
 * Only fields with an argument that can hold text are wrapped: a field without one costs nothing.
 */
export function guardTextArguments(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.args.some(holdsText)) continue;
      // A subscription's arguments are checked once, when it starts; not again on every event.
      if (field.subscribe) field.subscribe = guarded(field.subscribe);
      else field.resolve = guarded(field.resolve ?? defaultFieldResolver);
    }
  }
  return schema;
}

const GUARDED = Symbol("guardTextArguments");

type Resolver = GraphQLFieldResolver<unknown, unknown, Record<string, unknown>> & { [GUARDED]?: true };

function guarded(resolve: Resolver): Resolver {
  if (resolve[GUARDED]) return resolve;
  const wrapped: Resolver = (source, args, context, info) => {
    for (const [name, value] of Object.entries(args)) {
      const path = notUnicodeAt(value, name);
      if (path !== null) throw new BadInputError(path, NOT_UNICODE);
    }
    return resolve(source, args, context, info);
  };
  wrapped[GUARDED] = true;
  return wrapped;
}

/** The path of the first string in `value` (keys included) that is not Unicode, or null. */
function notUnicodeAt(value: unknown, path: string): string | null {
  if (typeof value === "string") return isUnicode(value) ? null : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = notUnicodeAt(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (!isUnicode(key)) return path;
      const found = notUnicodeAt(item, `${path}.${key}`);
      if (found !== null) return found;
    }
  }
  return null;
}

/** Whether an argument's type can carry a string: String, ID, a custom scalar, or an input holding one. */
function holdsText(arg: GraphQLArgument): boolean {
  return typeHoldsText(arg.type, new Set());
}

function typeHoldsText(type: GraphQLInputType, seen: Set<string>): boolean {
  const named = getNamedType(type);
  if (isScalarType(named)) return named.name !== "Int" && named.name !== "Float" && named.name !== "Boolean";
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((f) => typeHoldsText(f.type, seen));
}
