import type { GraphQLResolveInfo, SelectionSetNode } from "graphql";

/** Whether the client selected `name` directly under this field (fragments included). */
export function requestsField(info: GraphQLResolveInfo, name: string): boolean {
  const visit = (set: SelectionSetNode | undefined): boolean =>
    !!set?.selections.some((s) => {
      if (s.kind === "Field") return s.name.value === name;
      if (s.kind === "InlineFragment") return visit(s.selectionSet);
      const fragment = info.fragments[s.name.value];
      return visit(fragment?.selectionSet);
    });
  return info.fieldNodes.some((node) => visit(node.selectionSet));
}
