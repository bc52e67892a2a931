import { randomBytes } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { hashApiSecret } from "../auth/tokens";
import { User } from "../auth/user.entity";
import type { Viewer } from "../auth/viewer";
import { ConflictError, ForbiddenError, NotFoundError } from "../common/errors";
import { decodeId } from "../common/node";
import { KeysetPage, type Keyset } from "../common/keyset";
import type { ConnectionShape } from "../common/pagination";
import { DOC_SQL, MATCH_SQL } from "./alert.match";
import type { FeedTender } from "./feed.atom";
import { assertSomeCriterion, checkCriteria } from "./saved-search.criteria";
import { SavedSearch } from "./saved-search.entity";
import type { SaveSearchInput, UpdateSavedSearchInput } from "./saved-search.inputs";
import { canSaveSearches, MAX_SAVED_SEARCHES, ownsSavedSearch } from "./saved-search.policy";

export interface SearchActor {
  em: EntityManager;
  viewer: Viewer;
}

/** Entries of a feed: the newest matching open tenders. */
export const FEED_ENTRIES = 50;
/** Feed secrets: a recognisable prefix and 32 random bytes. */
const FEED_PREFIX = "sgf_";
const FEED_SECRET = /^sgf_[A-Za-z0-9_-]{43}$/;

function ownerOf(viewer: Viewer): string {
  if (!canSaveSearches(viewer) || viewer.kind !== "USER") throw new ForbiddenError("Members, mission officers and admins save searches.");
  return viewer.userId;
}

/** The viewer's own search; anyone else's answers exactly like a missing one. */
export async function loadSavedSearch(actor: SearchActor, globalId: string, field = "id"): Promise<SavedSearch> {
  const id = decodeId("SavedSearch", globalId, field);
  const search = await actor.em.findOne(SavedSearch, { id });
  if (!search || !ownsSavedSearch(actor.viewer, search.owner.id)) throw new NotFoundError("SavedSearch", globalId);
  return search;
}

/** For `node(id)`: the owner's search, null for anyone else. */
export async function readableSavedSearch(actor: SearchActor, id: string): Promise<SavedSearch | null> {
  const search = await actor.em.findOne(SavedSearch, { id });
  return search && canSaveSearches(actor.viewer) && ownsSavedSearch(actor.viewer, search.owner.id) ? search : null;
}

export async function saveSearch(actor: SearchActor, input: SaveSearchInput): Promise<SavedSearch> {
  const ownerId = ownerOf(actor.viewer);
  const criteria = checkCriteria(input, false);
  return actor.em.transactional(async (em) => {
    // The owner's row is the lock that keeps two concurrent saves under the limit.
    await em.execute("SELECT id FROM users WHERE id = ? FOR UPDATE", [ownerId]);
    if ((await em.count(SavedSearch, { owner: ownerId })) >= MAX_SAVED_SEARCHES) {
      throw new ConflictError(`You already have ${MAX_SAVED_SEARCHES} saved searches: delete one first.`);
    }
    const search = em.create(SavedSearch, { owner: em.getReference(User, ownerId), name: criteria.name ?? "", ...criteria });
    assertSomeCriterion(search);
    await em.flush();
    return search;
  });
}

export async function updateSavedSearch(actor: SearchActor, globalId: string, input: UpdateSavedSearchInput): Promise<SavedSearch> {
  ownerOf(actor.viewer);
  const search = await loadSavedSearch(actor, globalId);
  const criteria = checkCriteria(input, true);
  assertSomeCriterion({ ...search, ...criteria });
  actor.em.assign(search, criteria);
  await actor.em.flush();
  return search;
}

/** Deletes the search (its feed with it); answers its id. */
export async function deleteSavedSearch(actor: SearchActor, globalId: string): Promise<string> {
  ownerOf(actor.viewer);
  const search = await loadSavedSearch(actor, globalId);
  await actor.em.remove(search).flush();
  return globalId;
}

/** A new feed secret for the search, replacing any previous one; the secret is returned once. */
export async function rotateSavedSearchFeed(actor: SearchActor, globalId: string, now = new Date()): Promise<{ search: SavedSearch; secret: string }> {
  ownerOf(actor.viewer);
  const search = await loadSavedSearch(actor, globalId);
  const secret = FEED_PREFIX + randomBytes(32).toString("base64url");
  search.feedSecretHash = hashApiSecret(secret);
  search.feedCreatedAt = now;
  await actor.em.flush();
  return { search, secret };
}

export async function revokeSavedSearchFeed(actor: SearchActor, globalId: string): Promise<SavedSearch> {
  ownerOf(actor.viewer);
  const search = await loadSavedSearch(actor, globalId);
  search.feedSecretHash = null;
  search.feedCreatedAt = null;
  await actor.em.flush();
  return search;
}

/** Oldest first on (createdAt, id); the list reads through the ORM with the same key. */
const SAVED_SEARCH_KEYSET: Keyset<SavedSearch> = {
  key: [
    { sql: "created_at", kind: "date", cast: "::timestamptz" },
    { sql: "id", kind: "uuid", cast: "::uuid" },
  ],
  direction: "ASC",
  keyOf: (s) => [s.createdAt.toISOString(), s.id],
};

/** The viewer's saved searches, oldest first. */
export async function listSavedSearches(
  actor: SearchActor,
  first: number | null | undefined,
  after: string | null | undefined,
  wantsTotal: boolean,
): Promise<ConnectionShape<SavedSearch>> {
  const ownerId = ownerOf(actor.viewer);
  const paging = new KeysetPage(SAVED_SEARCH_KEYSET, { first, after });
  const cursor = paging.cursor;
  const where = cursor
    ? { owner: ownerId, $or: [{ createdAt: { $gt: new Date(String(cursor[0])) } }, { createdAt: new Date(String(cursor[0])), id: { $gt: String(cursor[1]) } }] }
    : { owner: ownerId };
  const rows = await actor.em.find(SavedSearch, where, { orderBy: [{ createdAt: "asc" }, { id: "asc" }], limit: paging.limit });
  const total = wantsTotal ? await actor.em.count(SavedSearch, { owner: ownerId }) : -1;
  return paging.connection(rows, total);
}

/** The search a feed secret opens, or null (unknown, malformed or revoked: all alike). */
export async function searchOfFeedSecret(em: EntityManager, secret: string): Promise<SavedSearch | null> {
  if (!FEED_SECRET.test(secret)) return null;
  return em.findOne(SavedSearch, { feedSecretHash: hashApiSecret(secret) });
}

/** The newest open tenders matching the search that its owner may see, for its feed. */
export async function feedTenders(em: EntityManager, searchId: string): Promise<FeedTender[]> {
  return em.execute<FeedTender[]>(
    `SELECT t.id, t.title, t.buyer_name, t.city, t.department_code, t.submission_deadline, t.estimated_value, t.currency, t.cpv_codes,
            t.published_at, t.created_at, t.updated_at
       FROM saved_searches s
       JOIN users u ON u.id = s.owner_id
       JOIN tenders t ON t.status = 'OPEN'
       ${DOC_SQL}
      WHERE s.id = ? AND ${MATCH_SQL}
      ORDER BY coalesce(t.published_at, t.created_at) DESC, t.id DESC
      LIMIT ?`,
    [searchId, FEED_ENTRIES],
  );
}

/** A feed path for a secret. */
export function feedPath(secret: string): string {
  return `/feeds/searches/${secret}.atom`;
}
