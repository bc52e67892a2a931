import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Mutation, Resolver, Root } from "type-graphql";
import { PlatformRole } from "../auth/roles";
import { User } from "../auth/user.entity";
import { Connection, PageArgs, type ConnectionShape } from "../common/pagination";
import { requestsField } from "../common/selection";
import type { Context } from "../context";
import { SavedSearch, SavedSearchNear } from "./saved-search.entity";
import { SavedSearchFeed, SaveSearchInput, UpdateSavedSearchInput } from "./saved-search.inputs";
import { canSaveSearches } from "./saved-search.policy";
import * as service from "./saved-search.service";

export const SavedSearchConnection = Connection(SavedSearch, "SavedSearch", "saved search");

const SEARCHERS = [PlatformRole.MEMBER, PlatformRole.MISSION_OFFICER, PlatformRole.ADMIN];

@Resolver(() => SavedSearch)
export class SavedSearchResolver {
  @Authorized(...SEARCHERS)
  @Mutation(() => SavedSearch, {
    description: `Members, mission officers and admins: saves a search whose matching tenders are announced to you as they open (at most 50 per person).`,
  })
  saveSearch(
    @Arg("input", () => SaveSearchInput, { description: "The criteria, a name and the delivery choice." }) input: SaveSearchInput,
    @Ctx() ctx: Context,
  ): Promise<SavedSearch> {
    return service.saveSearch(ctx, input);
  }

  @Authorized(...SEARCHERS)
  @Mutation(() => SavedSearch, { description: "Changes one of your saved searches; it applies to the tenders that open from now on." })
  updateSavedSearch(
    @Arg("id", () => ID, { description: "The saved search." }) id: string,
    @Arg("input", () => UpdateSavedSearchInput, { description: "What changes." }) input: UpdateSavedSearchInput,
    @Ctx() ctx: Context,
  ): Promise<SavedSearch> {
    return service.updateSavedSearch(ctx, id, input);
  }

  @Authorized(...SEARCHERS)
  @Mutation(() => ID, { description: "Deletes one of your saved searches and its feed; answers its id." })
  deleteSavedSearch(@Arg("id", () => ID, { description: "The saved search." }) id: string, @Ctx() ctx: Context): Promise<string> {
    return service.deleteSavedSearch(ctx, id);
  }

  @Authorized(...SEARCHERS)
  @Mutation(() => SavedSearchFeed, {
    description: "Makes a new secret Atom feed URL for one of your saved searches, shown this once; the previous URL stops answering.",
  })
  async rotateSavedSearchFeed(@Arg("id", () => ID, { description: "The saved search." }) id: string, @Ctx() ctx: Context): Promise<SavedSearchFeed> {
    const { search, secret } = await service.rotateSavedSearchFeed(ctx, id);
    const path = service.feedPath(secret);
    return { url: `${ctx.app.config.mail.appUrl}${path}`, path, savedSearch: search };
  }

  @Authorized(...SEARCHERS)
  @Mutation(() => SavedSearch, { description: "Revokes the feed URL of one of your saved searches: it answers 404 from now on." })
  revokeSavedSearchFeed(@Arg("id", () => ID, { description: "The saved search." }) id: string, @Ctx() ctx: Context): Promise<SavedSearch> {
    return service.revokeSavedSearchFeed(ctx, id);
  }

  @FieldResolver(() => SavedSearchNear, { nullable: true, description: "The distance criterion; null when there is none." })
  near(@Root() search: SavedSearch): SavedSearchNear | null {
    if (search.nearCommuneCode === null || search.nearRadiusKm === null) return null;
    return { communeCode: search.nearCommuneCode, commune: search.nearCommuneName ?? search.nearCommuneCode, radiusKm: search.nearRadiusKm };
  }

  @FieldResolver(() => Boolean, { description: "Whether the search has a feed URL (its secret is shown only when made)." })
  hasFeed(@Root() search: SavedSearch): boolean {
    return search.feedSecretHash !== null;
  }
}

@Resolver(() => User)
export class UserSavedSearchesResolver {
  @FieldResolver(() => SavedSearchConnection, {
    nullable: true,
    description: "The saved searches of this user, oldest first: only for the user themselves (`viewer`), null for anyone else and for clients.",
  })
  async savedSearches(
    @Root() user: User,
    @Args(() => PageArgs) args: PageArgs,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ConnectionShape<SavedSearch> | null> {
    if (!canSaveSearches(ctx.viewer) || ctx.viewer.kind !== "USER" || ctx.viewer.userId !== user.id) return null;
    return service.listSavedSearches(ctx, args.first, args.after, requestsField(info, "totalCount"));
  }
}
