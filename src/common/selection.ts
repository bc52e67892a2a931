import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from "graphql";

type Fragments = GraphQLResolveInfo["fragments"];

/** The fields called `name` directly in `set` (fragments included). */
function childFields(set: SelectionSetNode | undefined, name: string, fragments: Fragments): FieldNode[] {
  if (!set) return [];
  return set.selections.flatMap((s): FieldNode[] => {
    if (s.kind === "Field") return s.name.value === name ? [s] : [];
    if (s.kind === "InlineFragment") return childFields(s.selectionSet, name, fragments);
    return childFields(fragments[s.name.value]?.selectionSet, name, fragments);
  });
}

/** Whether the client selected `name` directly under this field (fragments included). */
export function requestsField(info: GraphQLResolveInfo, name: string): boolean {
  return requestsPath(info, [name]);
}

/**
 * Whether the client selected the path under this field, one field name per level (fragments
 * included): `["edges", "node", "skills"]` for a connection's nested list.
 */
export function requestsPath(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  let fields: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) {
    fields = fields.flatMap((field) => childFields(field.selectionSet, name, info.fragments));
    if (fields.length === 0) return false;
  }
  return true;
}

/** The names of the fields selected at the end of the path (fragments included; aliases resolved). */
export function selectedFieldNames(info: GraphQLResolveInfo, path: readonly string[]): Set<string> {
  let fields: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) fields = fields.flatMap((field) => childFields(field.selectionSet, name, info.fragments));
  const names = new Set<string>();
  const collect = (set: SelectionSetNode | undefined): void => {
    for (const s of set?.selections ?? []) {
      if (s.kind === "Field") names.add(s.name.value);
      else if (s.kind === "InlineFragment") collect(s.selectionSet);
      else collect(info.fragments[s.name.value]?.selectionSet);
    }
  };
  for (const field of fields) collect(field.selectionSet);
  return names;
}
