import type { EntityManager } from "@mikro-orm/postgresql";
import type { Actor } from "../auth/actor";
import { PlatformRole } from "../auth/roles";
import { isAdmin, type Viewer } from "../auth/viewer";
import { BadInputError, NotFoundError } from "../common/errors";
import { KeysetPage, allOf, withCursor, type Keyset, type SqlPart } from "../common/keyset";
import { decodeId } from "../common/node";
import type { ConnectionShape } from "../common/pagination";
import { findDepartment, findRegion } from "../common/reference/reference";
import { toPrefixQuery } from "../common/text-search";
import * as v from "../common/validate";
import { viewerOrganisationId } from "../clients/client.access";
import { orderClientSql } from "../clients/client.policy";
import { MAX_VALUE } from "./tender.checks";
import { cpvFilterPrefix } from "./tender.cpv";
import { Tender } from "./tender.entity";
import { TenderOrder } from "./tender.enums";
import type { TenderFilter, TendersArgs } from "./tender.inputs";
import { authorizeTender, canReadTender, type TenderAction, type TenderFacts, type ViewerLinks } from "./tender.policy";

/* Reads of tenders: one by id under the read rule, and the list (keyset-paged). */

export function tenderFacts(t: Tender): TenderFacts {
  return {
    id: t.id,
    kind: t.kind,
    status: t.status,
    clientId: t.client?.id ?? null,
    clientOrganisationId: t.clientOrganisation?.id ?? null,
    createdById: t.createdBy?.id ?? null,
    assignedOfficerId: t.assignedOfficer?.id ?? null,
  };
}

/** Whether one of the viewer's cooperatives is shortlisted for the tender (members only). */
export async function viewerShortlisted(em: EntityManager, viewer: Viewer, tenderId: string): Promise<boolean> {
  if (viewer.kind !== "USER" || viewer.role !== PlatformRole.MEMBER) return false;
  const rows = await em.getConnection().execute<{ n: string }[]>(
    `SELECT count(*) AS n FROM shortlist_entries s JOIN memberships m ON m.cooperative_id = s.cooperative_id
     WHERE s.tender_id = ? AND m.user_id = ?`,
    [tenderId, viewer.userId],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** What the viewer has to do with a tender beyond its facts: shortlisted cooperatives, a client's organisation. */
export async function viewerLinks(em: EntityManager, viewer: Viewer, tenderId: string): Promise<ViewerLinks> {
  return { shortlisted: await viewerShortlisted(em, viewer, tenderId), clientOrganisationId: await viewerOrganisationId(em, viewer) };
}

/** Whether the viewer may see the tender (the same rule as the list's SQL). */
export async function viewerCanRead(em: EntityManager, viewer: Viewer, tender: Tender): Promise<boolean> {
  const facts = tenderFacts(tender);
  if (canReadTender(viewer, facts)) return true;
  return canReadTender(viewer, facts, await viewerLinks(em, viewer, tender.id));
}

/** Loads a tender the viewer may see and act on; one the viewer may not see is NOT_FOUND. */
export async function loadTender(actor: Actor, globalId: string, action: TenderAction = "read", field = "id"): Promise<Tender> {
  const id = decodeId("Tender", globalId, field);
  return loadTenderById(actor, id, action, globalId);
}

export async function loadTenderById(actor: Actor, id: string, action: TenderAction = "read", globalId?: string): Promise<Tender> {
  const tender = await actor.em.findOne(Tender, { id });
  if (!tender) throw new NotFoundError("Tender", globalId);
  const facts = tenderFacts(tender);
  const links = canReadTender(actor.viewer, facts) && action === "read" ? { shortlisted: false } : await viewerLinks(actor.em, actor.viewer, id);
  authorizeTender(actor.viewer, action, facts, links, globalId);
  return tender;
}

// ---- the list ------------------------------------------------------------------------------

/** The read rule of `canReadTender`, as SQL over `tenders t`. */
function visibilitySql(viewer: Viewer): { sql: string; params: unknown[] } {
  if (viewer.kind === "ANONYMOUS") return { sql: "FALSE", params: [] };
  if (viewer.kind === "API_TOKEN") return { sql: "t.status <> 'DRAFT' AND t.kind <> 'DIRECT_ORDER'", params: [] };
  if (isAdmin(viewer)) return { sql: "TRUE", params: [] };
  const me = viewer.userId;
  if (viewer.role === PlatformRole.MISSION_OFFICER) {
    return {
      sql: `(t.status <> 'DRAFT' OR t.created_by_id = ? OR t.assigned_officer_id = ? OR t.client_id = ?
             OR (t.created_by_id IS NULL AND t.client_id IS NULL))`,
      params: [me, me, me],
    };
  }
  if (viewer.role === PlatformRole.CLIENT) return orderClientSql(me);
  return {
    sql: `(t.status <> 'DRAFT' OR t.created_by_id = ? OR t.assigned_officer_id = ?) AND (t.kind <> 'DIRECT_ORDER' OR EXISTS (
            SELECT 1 FROM shortlist_entries s JOIN memberships m ON m.cooperative_id = s.cooperative_id
            WHERE s.tender_id = t.id AND m.user_id = ?))`,
    params: [me, me, me],
  };
}

/** `column IN (?, ?)` for a list filter that, when given, names at least one value. */
function oneOf(field: string, column: string, values: readonly string[] | null | undefined, what: string): SqlPart[] {
  if (values == null) return [];
  if (values.length === 0) throw new BadInputError(field, `give at least one ${what}, or leave it out`);
  return [{ sql: `${column} IN (${values.map(() => "?").join(", ")})`, params: [...values] }];
}

/** Kinds, statuses, CPV, place and text of the filter. */
function subjectConditions(filter: TenderFilter): SqlPart[] {
  const parts = [...oneOf("filter.kinds", "t.kind", filter.kinds, "kind"), ...oneOf("filter.statuses", "t.status", filter.statuses, "status")];
  if (filter.cpv != null) parts.push({ sql: "t.cpv_prefixes @> ARRAY[?]::text[]", params: [cpvFilterPrefix("filter.cpv", filter.cpv)] });
  if (filter.department != null) {
    const department = findDepartment(v.text("filter.department", filter.department, { max: 3 }));
    if (!department) throw new BadInputError("filter.department", "is not a department code");
    parts.push({ sql: "t.department_code = ?", params: [department.code] });
  }
  if (filter.region != null) {
    const code = v.text("filter.region", filter.region, { max: 2 });
    if (!findRegion(code)) throw new BadInputError("filter.region", "is not a region code");
    parts.push({ sql: "t.region_code = ?", params: [code] });
  }
  return parts;
}

/** Deadline and value ranges of the filter. */
function rangeConditions(filter: TenderFilter): SqlPart[] {
  const parts: SqlPart[] = [];
  if (filter.deadlineAfter != null) parts.push({ sql: "t.submission_deadline >= ?", params: [filter.deadlineAfter] });
  if (filter.deadlineBefore != null) parts.push({ sql: "t.submission_deadline < ?", params: [filter.deadlineBefore] });
  if (filter.deadlineAfter != null && filter.deadlineBefore != null && filter.deadlineAfter >= filter.deadlineBefore) {
    throw new BadInputError("filter.deadlineBefore", "must be after filter.deadlineAfter");
  }
  if (filter.minValue != null) {
    parts.push({ sql: "t.estimated_value >= ?", params: [v.integer("filter.minValue", filter.minValue, 0, MAX_VALUE)] });
  }
  if (filter.maxValue != null) {
    parts.push({ sql: "t.estimated_value <= ?", params: [v.integer("filter.maxValue", filter.maxValue, 0, MAX_VALUE)] });
  }
  if (filter.minValue != null && filter.maxValue != null && filter.minValue > filter.maxValue) {
    throw new BadInputError("filter.maxValue", "must be at least filter.minValue");
  }
  return parts;
}

function searchCondition(filter: TenderFilter): SqlPart[] {
  if (filter.search == null) return [];
  const query = toPrefixQuery(v.text("filter.search", filter.search, { max: 200 }));
  return query ? [{ sql: "t.search @@ to_tsquery('french', ?)", params: [query] }] : [];
}

/** What selects the list's rows: the viewer's read rule, the scope, then the filter, checked in this order. */
function listConditions(viewer: Viewer, filter: TenderFilter, scope: { clientOrganisationId?: string }): SqlPart {
  const parts: SqlPart[] = [visibilitySql(viewer)];
  if (scope.clientOrganisationId) parts.push({ sql: "t.client_organisation_id = ?", params: [scope.clientOrganisationId] });
  return allOf([...parts, ...subjectConditions(filter), ...rangeConditions(filter), ...searchCondition(filter)]);
}

/** The sort key of each order; tenders without a value, a publication or a deadline sort last. */
function tenderKeyset(order: TenderOrder): Keyset<Tender> {
  if (order === TenderOrder.VALUE) {
    return {
      key: [
        { sql: "COALESCE(t.estimated_value, -1)", kind: "int", cast: "::int" },
        { sql: "t.id", kind: "uuid", cast: "::uuid" },
      ],
      direction: "DESC",
      keyOf: (t) => [t.estimatedValue ?? -1, t.id],
    };
  }
  if (order === TenderOrder.PUBLICATION) {
    return {
      key: [
        { sql: "COALESCE(t.published_at, t.created_at)", kind: "date", cast: "::timestamptz" },
        { sql: "t.id", kind: "uuid", cast: "::uuid" },
      ],
      direction: "DESC",
      keyOf: (t) => [(t.publishedAt ?? t.createdAt).toISOString(), t.id],
    };
  }
  return {
    key: [
      { sql: "COALESCE(t.submission_deadline, 'infinity'::timestamptz)", kind: "date", cast: "::timestamptz" },
      { sql: "t.id", kind: "uuid", cast: "::uuid" },
    ],
    direction: "ASC",
    keyOf: (t) => [t.submissionDeadline ? t.submissionDeadline.toISOString() : "infinity", t.id],
  };
}

/** The tenders the viewer may read, filtered and ordered, a page at a time; `scope` narrows to one client organisation. */
export async function listTenders(
  actor: Actor,
  args: TendersArgs,
  wantsTotal: boolean,
  scope: { clientOrganisationId?: string } = {},
): Promise<ConnectionShape<Tender>> {
  const page = new KeysetPage(tenderKeyset(args.orderBy ?? TenderOrder.DEADLINE), args);
  const selected = listConditions(actor.viewer, args.filter ?? {}, scope);
  const where = withCursor(selected, page);
  const order = page.orderBy();
  const rows = await actor.em
    .getConnection()
    .execute<Record<string, unknown>[]>(`SELECT t.* FROM tenders t WHERE ${where.sql} ORDER BY ${order.sql} LIMIT ?`, [
      ...where.params,
      ...order.params,
      page.limit,
    ]);
  const tenders = rows.map((row) => actor.em.map(Tender, row));
  const totalCount = wantsTotal ? await countTenders(actor.em, selected) : -1;
  return page.connection(tenders, totalCount);
}

async function countTenders(em: EntityManager, selected: SqlPart): Promise<number> {
  const [count] = await em.getConnection().execute<{ n: string }[]>(`SELECT count(*) AS n FROM tenders t WHERE ${selected.sql}`, selected.params);
  return Number(count?.n ?? 0);
}
