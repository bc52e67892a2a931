import { Arg, Authorized, Ctx, ID, Query, Resolver } from "type-graphql";
import { ApiScope } from "../auth/roles";
import { Scopes } from "../auth/scopes";
import type { Context } from "../context";
import { NotFoundError } from "./errors";
import { fromGlobalId, Node } from "./node";
import { nodeFetcher } from "./node-registry";

@Resolver()
export class NodeResolver {
  @Authorized()
  @Scopes(ApiScope.READ)
  @Query(() => Node, {
    nullable: true,
    description: "Any object by its global id (Relay). Null when there is none or the viewer may not see it.",
  })
  async node(@Arg("id", () => ID, { description: "Global id of any object." }) id: string, @Ctx() ctx: Context): Promise<Node | null> {
    const parsed = fromGlobalId(id);
    const fetch = parsed ? nodeFetcher(parsed.type) : undefined;
    if (!parsed || !fetch) return null;
    try {
      return (await fetch(ctx, parsed.id, id)) as Node | null;
    } catch (error) {
      // A record of another tenant answers like one that does not exist.
      if (error instanceof NotFoundError || (error instanceof Error && "code" in error && error.code === "FORBIDDEN")) {
        return null;
      }
      throw error;
    }
  }
}
