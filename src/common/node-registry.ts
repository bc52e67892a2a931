import type { Context } from "../context";

/** Loads one record of a type for `node(id)`, applying that type's read rules. */
export type NodeFetcher = (ctx: Context, id: string, globalId: string) => Promise<object | null>;

const fetchers = new Map<string, NodeFetcher>();

/** Each feature registers its types next to its resolvers. */
export function registerNode(type: string, fetcher: NodeFetcher): void {
  fetchers.set(type, fetcher);
}

export function nodeFetcher(type: string): NodeFetcher | undefined {
  return fetchers.get(type);
}
