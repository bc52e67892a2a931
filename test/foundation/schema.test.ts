import { readFileSync } from "node:fs";
import path from "node:path";
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLSchema,
} from "graphql";
import { getMetadataStorage } from "type-graphql";
import { ApiScope } from "../../src/auth/roles";
import { buildSchema, printSdl } from "../../src/schema";

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildSchema();
});

test("the committed schema/schema.graphql is what the code emits (run `npm run generate`)", async () => {
  const committed = readFileSync(path.resolve(__dirname, "../../schema/schema.graphql"), "utf8");
  expect(committed).toBe(await printSdl());
});

test("every query, mutation and subscription declares an access rule", () => {
  const storage = getMetadataStorage();
  const authorized = new Set(storage.authorizedFields.map((f) => f.fieldName));
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
  const missing: string[] = [];
  let checked = 0;
  for (const root of roots) {
    if (!root) continue;
    for (const field of Object.values(root.getFields()) as GraphQLField<unknown, unknown>[]) {
      checked++;
      const isPublic = field.extensions?.access === "public";
      if (!isPublic && !authorized.has(field.name)) missing.push(`${root.name}.${field.name}`);
      if (isPublic && authorized.has(field.name)) missing.push(`${root.name}.${field.name} (both public and authorized)`);
    }
  }
  expect(checked).toBeGreaterThan(10);
  expect(missing).toEqual([]);
});

test("API-token scopes: only on authorized root fields, known scopes, and the README's table is the schema's", () => {
  const storage = getMetadataStorage();
  const authorized = new Set(storage.authorizedFields.map((f) => f.fieldName));
  const opened = new Map<ApiScope, string[]>(Object.values(ApiScope).map((scope) => [scope, []]));
  const wrong: string[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root) continue;
    for (const field of Object.values(root.getFields()) as GraphQLField<unknown, unknown>[]) {
      const scopes = field.extensions?.scopes;
      if (scopes === undefined) continue;
      if (!Array.isArray(scopes) || scopes.length === 0) wrong.push(`${root.name}.${field.name}: empty scopes`);
      if (!authorized.has(field.name) || field.extensions?.access === "public") wrong.push(`${root.name}.${field.name}: scopes without @Authorized`);
      for (const scope of Array.isArray(scopes) ? scopes : []) {
        const list = opened.get(scope as ApiScope);
        if (list) list.push(field.name);
        else wrong.push(`${root.name}.${field.name}: unknown scope ${String(scope)}`);
      }
    }
  }
  expect(wrong).toEqual([]);
  const readme = readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
  const table = Object.fromEntries(
    [...readme.matchAll(/^\| `([A-Z_]+)` \| (.*) \|$/gm)]
      .filter((m) => Object.values(ApiScope).includes(m[1] as ApiScope))
      .map((m) => [m[1], [...(m[2] as string).matchAll(/`(\w+)`/g)].map((f) => f[1]).sort()]),
  );
  expect(table).toEqual(Object.fromEntries([...opened].map(([scope, fields]) => [scope, fields.sort()])));
});

test("every type, field, argument and enum value carries a description", () => {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__") || ["String", "Int", "Float", "Boolean", "ID"].includes(type.name)) continue;
    if (!type.description) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      const fields: (GraphQLField<unknown, unknown> | GraphQLInputField)[] = Object.values(type.getFields());
      for (const field of fields) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        if ("args" in field) {
          for (const arg of field.args) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    if (isUnionType(type) && !type.description) missing.push(type.name);
  }
  expect(missing).toEqual([]);
});
