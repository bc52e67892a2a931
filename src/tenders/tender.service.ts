import { Bid } from "../bids/bid.entity";
import { notify } from "../realtime/bus";
import { TENDER_PUBLISHED, type TenderPublished } from "./tender.events";
import { alertDepsOf, alertSavedSearches, type AlertDeps } from "../alerts/alert.match";
import type { AppServices } from "../context";
import type { EntityManager } from "@mikro-orm/postgresql";
import { PlatformRole } from "../auth/roles";
import { User } from "../auth/user.entity";
import { isAdmin, type Viewer } from "../auth/viewer";
import { BadInputError, ForbiddenError, InvalidStateError, NotFoundError } from "../common/errors";
import { decodeId, toGlobalId } from "../common/node";
import { NotificationKind } from "../notifications/notification.enums";
import { notifyPeople } from "../notifications/notify";
import { missionOfficers } from "../notifications/recipients";
import { decodeCursor, encodeCursor, pageSize, toConnection, type ConnectionShape, type CursorValue } from "../common/pagination";
import { findDepartment, findRegion, normalizeCpv } from "../common/reference/reference";
import * as v from "../common/validate";
import type { Actor } from "../cooperatives/cooperative.service";
import { toPrefixQuery } from "../cooperatives/cooperative.service";
import { cpvPrefixes } from "../matching/cpv-similarity";
import { AwardCriterion, Lot, Tender } from "./tender.entity";
import { TenderKind, TenderOrder, TenderStatus } from "./tender.enums";
import type {
  AwardCriterionInput,
  CreateTenderInput,
  GroupRulesInput,
  LotInput,
  PlaceInput,
  TendersArgs,
  UpdateTenderInput,
} from "./tender.inputs";
import { assertTransition } from "./tender.lifecycle";
import { resolvePlace, type ResolvedPlace } from "./tender.place";
import { authorizeTender, canCreateTender, canReadTender, type TenderAction, type TenderFacts, type ViewerLinks } from "./tender.policy";
import { ClientOrganisation } from "../clients/client.entity";
import { viewerOrganisationId } from "../clients/client.access";
import { orderClientSql } from "../clients/client.policy";

export { assertAcceptsBids, acceptsBids } from "./tender.lifecycle";

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
/** The VAT rate of a tender's price schedules when its buyer gives none. */
export const DEFAULT_VAT_RATE = 0.2;

function vatRate(field: string, value: number): number {
  return v.decimal(field, value, 0, 0.5);
}

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

// ---- input checks --------------------------------------------------------------------------

const MAX_VALUE = 2_000_000_000;

function money(field: string, value: number | null | undefined): number | null {
  return value == null ? null : v.integer(field, value, 0, MAX_VALUE);
}

function cpv(field: string, value: string): string {
  const code = typeof value === "string" ? normalizeCpv(value) : null;
  if (!code) throw new BadInputError(field, "is not a known CPV code of the platform's list");
  return code;
}

function deadline(field: string, value: Date | null | undefined, now: Date): Date | null {
  if (value == null) return null;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new BadInputError(field, "is not a date");
  if (value.getTime() <= now.getTime()) throw new BadInputError(field, "must be in the future");
  return value;
}

function criteria(field: string, input: AwardCriterionInput[]): AwardCriterion[] {
  if (input.length > 20) throw new BadInputError(field, "at most 20 criteria");
  const list = input.map((c, i) => ({
    name: v.text(`${field}[${i}].name`, c.name, { max: 200 }),
    weight: c.weight == null ? null : v.decimal(`${field}[${i}].weight`, c.weight, 0, 100),
  }));
  const total = list.reduce((s, c) => s + (c.weight ?? 0), 0);
  if (total > 100.0001) throw new BadInputError(field, "weights add up to more than 100");
  return list;
}

function groupRules(field: string, input: GroupRulesInput) {
  return {
    maxLotsPerTenderer: input.maxLotsPerTenderer == null ? null : v.integer(`${field}.maxLotsPerTenderer`, input.maxLotsPerTenderer, 1, 999),
    maxLotsAwardedPerTenderer:
      input.maxLotsAwardedPerTenderer == null ? null : v.integer(`${field}.maxLotsAwardedPerTenderer`, input.maxLotsAwardedPerTenderer, 1, 999),
    multipleOffersForbidden: input.multipleOffersForbidden ?? null,
    groupLegalFormRequired: input.groupLegalFormRequired ?? null,
    groupLegalForm: v.optionalText(`${field}.groupLegalForm`, input.groupLegalForm, { max: 2000, multiline: true }),
    bidAloneAndInGroupAllowed: input.bidAloneAndInGroupAllowed ?? null,
  };
}

interface LotValues {
  number: number;
  title: string;
  description: string | null;
  cpvCodes: string[];
  estimatedValue: number | null;
}

function lots(field: string, input: LotInput[]): LotValues[] {
  if (input.length > 200) throw new BadInputError(field, "at most 200 lots");
  const numbers = new Set<number>();
  return input.map((lot, i) => {
    const f = `${field}[${i}]`;
    const number = v.integer(`${f}.number`, lot.number, 0, 999);
    if (numbers.has(number)) throw new BadInputError(`${f}.number`, "is used by another lot");
    numbers.add(number);
    if (!Array.isArray(lot.cpvCodes) || lot.cpvCodes.length === 0) throw new BadInputError(`${f}.cpvCodes`, "give at least one CPV code");
    if (lot.cpvCodes.length > 20) throw new BadInputError(`${f}.cpvCodes`, "at most 20 codes");
    return {
      number,
      title: v.text(`${f}.title`, lot.title, { max: 500 }),
      description: v.optionalText(`${f}.description`, lot.description, { max: 20000, multiline: true }),
      cpvCodes: [...new Set(lot.cpvCodes.map((c, j) => cpv(`${f}.cpvCodes[${j}]`, c)))],
      estimatedValue: money(`${f}.estimatedValue`, lot.estimatedValue),
    };
  });
}

function place(field: string, input: PlaceInput): ResolvedPlace {
  const nuts = v.optionalText(`${field}.nutsCode`, input.nutsCode, { max: 5 });
  if (nuts !== null && !/^[A-Z]{2}[A-Z0-9]{1,3}$/i.test(nuts)) throw new BadInputError(`${field}.nutsCode`, "is not a NUTS code");
  const communeCode = v.optionalText(`${field}.communeCode`, input.communeCode, { max: 5 });
  const postcode = v.optionalText(`${field}.postcode`, input.postcode, { max: 5 });
  if (postcode !== null && !/^\d{5}$/.test(postcode)) throw new BadInputError(`${field}.postcode`, "must be 5 digits");
  const city = v.optionalText(`${field}.city`, input.city, { max: 200 });
  const resolved = resolvePlace({
    nuts,
    communeCode,
    city,
    postcode,
    description: v.optionalText(`${field}.description`, input.description, { max: 2000, multiline: true }),
  });
  if (communeCode !== null && !resolved.communeCode) throw new BadInputError(`${field}.communeCode`, "is not a known commune");
  const hasLat = input.latitude != null;
  const hasLon = input.longitude != null;
  if (hasLat !== hasLon) throw new BadInputError(`${field}.${hasLat ? "longitude" : "latitude"}`, "give both coordinates");
  if (hasLat && hasLon) {
    resolved.latitude = v.latitude(`${field}.latitude`, input.latitude as number);
    resolved.longitude = v.longitude(`${field}.longitude`, input.longitude as number);
  }
  return resolved;
}

function currency(field: string, value: string | null | undefined): string {
  const c = v.optionalText(field, value, { max: 3 });
  if (c === null) return "EUR";
  if (!/^[A-Z]{3}$/.test(c)) throw new BadInputError(field, "must be an ISO 4217 code such as EUR");
  return c;
}

/** Keeps the codes and indexed prefixes of a tender in step with its lots. */
export function cpvSummary(lotCodes: string[][], own: string[] = []): { cpvCodes: string[]; cpvPrefixes: string[] } {
  const codes = [...new Set([...own, ...lotCodes.flat()])];
  const prefixes = new Set<string>();
  for (const code of codes) {
    try {
      for (const p of cpvPrefixes(code)) prefixes.add(p);
    } catch {
      // a code outside the CPV pattern has no prefixes
    }
  }
  return { cpvCodes: codes, cpvPrefixes: [...prefixes].sort() };
}

function lotPrefixes(codes: string[]): string[] {
  return cpvSummary([codes]).cpvPrefixes;
}

function replaceLots(em: EntityManager, tender: Tender, values: LotValues[]): void {
  for (const lot of tender.lots.getItems()) em.remove(lot);
  tender.lots.removeAll();
  for (const lot of values) {
    tender.lots.add(em.create(Lot, { ...lot, tender, cpvPrefixes: lotPrefixes(lot.cpvCodes) }));
  }
  Object.assign(tender, cpvSummary(values.map((l) => l.cpvCodes)));
}

// ---- use cases -----------------------------------------------------------------------------

export async function createTender(actor: Actor, input: CreateTenderInput, now = new Date()): Promise<Tender> {
  const { em, viewer } = actor;
  if (!Object.values(TenderKind).includes(input.kind)) throw new BadInputError("input.kind", "is not a tender kind");
  if (!canCreateTender(viewer, input.kind)) {
    throw new ForbiddenError(viewer.kind === "USER" && viewer.role === PlatformRole.CLIENT
      ? "A client may only place direct orders."
      : "Only mission officers and admins create tenders.");
  }
  const userId = viewer.kind === "USER" ? viewer.userId : null;
  const isClient = viewer.kind === "USER" && viewer.role === PlatformRole.CLIENT;
  let client: User | null = null;
  if (isClient && userId) {
    client = await em.findOneOrFail(User, { id: userId });
  } else if (input.clientId != null) {
    if (input.kind !== TenderKind.DIRECT_ORDER) throw new BadInputError("input.clientId", "only a direct order has a client");
    const clientId = decodeId("User", input.clientId, "input.clientId");
    client = await em.findOne(User, { id: clientId, role: PlatformRole.CLIENT });
    if (!client) throw new BadInputError("input.clientId", "is not a client account");
  }
  const lotValues = lots("input.lots", input.lots ?? []);
  const sumOfLots = lotValues.some((l) => l.estimatedValue !== null)
    ? lotValues.reduce((s, l) => s + (l.estimatedValue ?? 0), 0)
    : null;
  // The order belongs to the client's organisation (every person of it sees it); the person placed it.
  const organisationId = client ? (await em.findOne(User, { id: client.id }, { fields: ["clientOrganisation"] }))?.clientOrganisation?.id ?? null : null;
  const organisation = organisationId ? await em.findOneOrFail(ClientOrganisation, { id: organisationId }) : null;
  const buyerName = v.optionalText("input.buyerName", input.buyerName, { max: 300 }) ?? organisation?.name ?? client?.name ?? null;
  if (buyerName === null) throw new BadInputError("input.buyerName", "must not be empty");
  const tender = em.create(Tender, {
    kind: input.kind,
    title: v.text("input.title", input.title, { max: 500 }),
    description: v.optionalText("input.description", input.description, { max: 20000, multiline: true }),
    buyerName,
    client,
    clientOrganisation: organisation,
    createdBy: userId ? em.getReference(User, userId) : null,
    ...(input.place ? place("input.place", input.place) : {}),
    estimatedValue: money("input.estimatedValue", input.estimatedValue) ?? sumOfLots,
    currency: currency("input.currency", input.currency),
    ...(input.vatRate == null ? {} : { vatRate: vatRate("input.vatRate", input.vatRate) }),
    submissionDeadline: deadline("input.submissionDeadline", input.submissionDeadline, now),
    awardCriteria: criteria("input.awardCriteria", input.awardCriteria ?? []),
    ...(input.groupRules ? groupRules("input.groupRules", input.groupRules) : {}),
  });
  replaceLots(em, tender, lotValues);
  await em.flush();
  return tender;
}

/** Who opens a tender: with the app's services at hand (a GraphQL context), saved searches may also e-mail. */
type OpeningActor = Actor & { app?: Pick<AppServices, "mailer" | "config"> };

/** A client submits a direct order: created and published at once, visible to them and the staff. */
export async function submitDirectOrder(actor: OpeningActor, input: CreateTenderInput, now = new Date()): Promise<Tender> {
  if (input.kind !== TenderKind.DIRECT_ORDER) throw new BadInputError("input.kind", "must be DIRECT_ORDER");
  if (input.clientId != null) throw new BadInputError("input.clientId", "is set by the server: the client is the viewer");
  const tender = await createTender(actor, input, now);
  tender.status = TenderStatus.OPEN;
  tender.publishedAt = now;
  // The officers hear of it in the same transaction: an order nobody is told of is not lost either.
  await flushAndAnnounce(actor.em, tender, actor.app ? alertDepsOf(actor.app) : null, async (em) => {
    await notifyPeople(em, await missionOfficers(em), {
      kind: NotificationKind.NEW_DIRECT_ORDER,
      text: `Nouvelle commande directe de ${tender.buyerName} : « ${tender.title} »`,
      subjectId: toGlobalId("Tender", tender.id),
      dedupeKey: `order:${tender.id}`,
    });
  });
  return tender;
}

/**
 * Commits a tender that just became OPEN, announces it (matching listens) and alerts the saved
 * searches it matches, all in one transaction.
 */
async function flushAndAnnounce(em: EntityManager, tender: Tender, alerts: AlertDeps | null, also?: (em: EntityManager) => Promise<void>): Promise<void> {
  await em.begin();
  try {
    await em.flush();
    await also?.(em);
    await notify(em, TENDER_PUBLISHED, { tenderId: tender.id } satisfies TenderPublished);
    await alertSavedSearches(em, tender.id, alerts);
    await em.commit();
  } catch (error) {
    await em.rollback();
    throw error;
  }
}

const EDITABLE: readonly TenderStatus[] = [TenderStatus.DRAFT, TenderStatus.OPEN];

/** Staff edit any tender (`edit`); the client edits its own order (`editOwnOrder`, src/clients/order.service.ts). */
export async function updateTender(
  actor: Actor,
  globalId: string,
  input: UpdateTenderInput,
  now = new Date(),
  options: { action?: TenderAction; check?: (tender: Tender) => Promise<void> } = {},
): Promise<Tender> {
  const tender = await loadTender(actor, globalId, options.action ?? "edit");
  if (!EDITABLE.includes(tender.status)) throw new InvalidStateError(`A tender that is ${tender.status} cannot be edited.`);
  await options.check?.(tender);
  const has = (key: keyof UpdateTenderInput) => Object.prototype.hasOwnProperty.call(input, key) && input[key] !== undefined;
  const changes: Partial<Tender> = {};
  if (has("title")) changes.title = v.text("input.title", input.title as string, { max: 500 });
  if (has("description")) changes.description = v.optionalText("input.description", input.description, { max: 20000, multiline: true });
  if (has("buyerName")) changes.buyerName = v.text("input.buyerName", input.buyerName as string, { max: 300 });
  if (has("place")) Object.assign(changes, place("input.place", input.place ?? {}));
  if (has("estimatedValue")) changes.estimatedValue = money("input.estimatedValue", input.estimatedValue);
  if (has("vatRate")) changes.vatRate = input.vatRate === null ? DEFAULT_VAT_RATE : vatRate("input.vatRate", input.vatRate as number);
  if (has("submissionDeadline")) changes.submissionDeadline = deadline("input.submissionDeadline", input.submissionDeadline, now);
  if (has("awardCriteria")) changes.awardCriteria = criteria("input.awardCriteria", input.awardCriteria ?? []);
  if (has("groupRules")) Object.assign(changes, groupRules("input.groupRules", input.groupRules ?? {}));
  const lotValues = has("lots") ? lots("input.lots", input.lots ?? []) : null;
  const { em } = actor;
  if (lotValues) {
    // Bids point at lots (assignments, price lines): their lots are no longer rewritten.
    if (await em.count(Bid, { tender: tender.id })) {
      throw new InvalidStateError("This tender has bids: its lots can no longer be changed.");
    }
    await tender.lots.init();
    replaceLots(em, tender, lotValues);
  }
  em.assign(tender, changes);
  await em.flush();
  return tender;
}

async function transition(actor: Actor, globalId: string, to: TenderStatus, action: TenderAction = "transition"): Promise<Tender> {
  const tender = await loadTender(actor, globalId, action);
  assertTransition(tender.status, to);
  return tender;
}

export async function publishTender(actor: OpeningActor, globalId: string, now = new Date()): Promise<Tender> {
  const tender = await transition(actor, globalId, TenderStatus.OPEN);
  if (tender.submissionDeadline && tender.submissionDeadline.getTime() <= now.getTime()) {
    throw new BadInputError("submissionDeadline", "has passed: set a new deadline before publishing");
  }
  tender.status = TenderStatus.OPEN;
  tender.publishedAt = now;
  await flushAndAnnounce(actor.em, tender, actor.app ? alertDepsOf(actor.app) : null);
  return tender;
}

export async function closeTender(actor: Actor, globalId: string): Promise<Tender> {
  const tender = await transition(actor, globalId, TenderStatus.CLOSED);
  tender.status = TenderStatus.CLOSED;
  await actor.em.flush();
  return tender;
}

/** Staff cancel any tender; a client cancels their own direct order. */
export async function cancelTender(actor: Actor, globalId: string): Promise<Tender> {
  const id = decodeId("Tender", globalId, "id");
  const tender = await loadTenderById(actor, id, "cancelOwnOrder", globalId);
  assertTransition(tender.status, TenderStatus.CANCELLED);
  tender.status = TenderStatus.CANCELLED;
  await actor.em.flush();
  return tender;
}

export async function assignOfficer(actor: Actor, globalId: string, officerGlobalId: string | null): Promise<Tender> {
  const tender = await loadTender(actor, globalId, "edit");
  if (officerGlobalId === null) {
    tender.assignedOfficer = null;
  } else {
    const officerId = decodeId("User", officerGlobalId, "officerId");
    const officer = await actor.em.findOne(User, { id: officerId, role: { $in: [PlatformRole.MISSION_OFFICER, PlatformRole.ADMIN] } });
    if (!officer) throw new BadInputError("officerId", "is not a mission officer or admin");
    tender.assignedOfficer = officer;
  }
  await actor.em.flush();
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

export function cpvFilterPrefix(field: string, value: string): string {
  const raw = v.text(field, value, { max: 10 }).replace(/-\d$/, "");
  if (!/^\d{2,8}$/.test(raw)) throw new BadInputError(field, "must be a CPV code or prefix of 2 to 8 digits");
  if (raw.startsWith("00")) throw new BadInputError(field, "is not a CPV division");
  const significant = raw.length === 8 ? (cpvPrefixes(raw).at(-1) ?? raw) : raw.replace(/0+$/, "");
  return significant.length >= 2 ? significant : raw.slice(0, 2);
}

export async function listTenders(
  actor: Actor,
  args: TendersArgs,
  wantsTotal: boolean,
  scope: { clientOrganisationId?: string } = {},
): Promise<ConnectionShape<Tender>> {
  const size = pageSize(args.first);
  const order = args.orderBy ?? TenderOrder.DEADLINE;
  const filter = args.filter ?? {};
  const visibility = visibilitySql(actor.viewer);
  const where: string[] = [visibility.sql];
  const params: unknown[] = [...visibility.params];
  if (scope.clientOrganisationId) {
    where.push("t.client_organisation_id = ?");
    params.push(scope.clientOrganisationId);
  }

  if (filter.kinds != null) {
    if (filter.kinds.length === 0) throw new BadInputError("filter.kinds", "give at least one kind, or leave it out");
    where.push(`t.kind IN (${filter.kinds.map(() => "?").join(", ")})`);
    params.push(...filter.kinds);
  }
  if (filter.statuses != null) {
    if (filter.statuses.length === 0) throw new BadInputError("filter.statuses", "give at least one status, or leave it out");
    where.push(`t.status IN (${filter.statuses.map(() => "?").join(", ")})`);
    params.push(...filter.statuses);
  }
  if (filter.cpv != null) {
    where.push("t.cpv_prefixes @> ARRAY[?]::text[]");
    params.push(cpvFilterPrefix("filter.cpv", filter.cpv));
  }
  if (filter.department != null) {
    const code = v.text("filter.department", filter.department, { max: 3 });
    const department = findDepartment(code);
    if (!department) throw new BadInputError("filter.department", "is not a department code");
    where.push("t.department_code = ?");
    params.push(department.code);
  }
  if (filter.region != null) {
    const code = v.text("filter.region", filter.region, { max: 2 });
    if (!findRegion(code)) throw new BadInputError("filter.region", "is not a region code");
    where.push("t.region_code = ?");
    params.push(code);
  }
  if (filter.deadlineAfter != null) {
    where.push("t.submission_deadline >= ?");
    params.push(filter.deadlineAfter);
  }
  if (filter.deadlineBefore != null) {
    where.push("t.submission_deadline < ?");
    params.push(filter.deadlineBefore);
  }
  if (filter.deadlineAfter != null && filter.deadlineBefore != null && filter.deadlineAfter >= filter.deadlineBefore) {
    throw new BadInputError("filter.deadlineBefore", "must be after filter.deadlineAfter");
  }
  if (filter.minValue != null) {
    where.push("t.estimated_value >= ?");
    params.push(v.integer("filter.minValue", filter.minValue, 0, MAX_VALUE));
  }
  if (filter.maxValue != null) {
    where.push("t.estimated_value <= ?");
    params.push(v.integer("filter.maxValue", filter.maxValue, 0, MAX_VALUE));
  }
  if (filter.minValue != null && filter.maxValue != null && filter.minValue > filter.maxValue) {
    throw new BadInputError("filter.maxValue", "must be at least filter.minValue");
  }
  if (filter.search != null) {
    const query = toPrefixQuery(v.text("filter.search", filter.search, { max: 200 }));
    if (query) {
      where.push("t.search @@ to_tsquery('french', ?)");
      params.push(query);
    }
  }

  const filterWhere = [...where];
  const filterParams = [...params];
  const cursor = decodeCursor(args.after, order === TenderOrder.VALUE ? ["int", "uuid"] : ["date", "uuid"]);
  let orderSql: string;
  let keyOf: (t: Tender) => CursorValue[];
  if (order === TenderOrder.VALUE) {
    orderSql = "COALESCE(t.estimated_value, -1) DESC, t.id DESC";
    keyOf = (t) => [t.estimatedValue ?? -1, t.id];
    if (cursor) {
      where.push("(COALESCE(t.estimated_value, -1), t.id) < (?::int, ?::uuid)");
      params.push(Number(cursor[0]), String(cursor[1]));
    }
  } else if (order === TenderOrder.PUBLICATION) {
    orderSql = "COALESCE(t.published_at, t.created_at) DESC, t.id DESC";
    keyOf = (t) => [(t.publishedAt ?? t.createdAt).toISOString(), t.id];
    if (cursor) {
      where.push("(COALESCE(t.published_at, t.created_at), t.id) < (?::timestamptz, ?::uuid)");
      params.push(String(cursor[0]), String(cursor[1]));
    }
  } else {
    orderSql = "COALESCE(t.submission_deadline, 'infinity'::timestamptz) ASC, t.id ASC";
    keyOf = (t) => [t.submissionDeadline ? t.submissionDeadline.toISOString() : "infinity", t.id];
    if (cursor) {
      where.push("(COALESCE(t.submission_deadline, 'infinity'::timestamptz), t.id) > (?::timestamptz, ?::uuid)");
      params.push(String(cursor[0]), String(cursor[1]));
    }
  }
  const connection = actor.em.getConnection();
  const rows = await connection.execute<Record<string, unknown>[]>(
    `SELECT t.* FROM tenders t WHERE ${where.join(" AND ")} ORDER BY ${orderSql} LIMIT ?`,
    [...params, size + 1],
  );
  const tenders = rows.map((row) => actor.em.map(Tender, row));
  let totalCount = -1;
  if (wantsTotal) {
    const [count] = await connection.execute<{ n: string }[]>(
      `SELECT count(*) AS n FROM tenders t WHERE ${filterWhere.join(" AND ")}`,
      filterParams,
    );
    totalCount = Number(count?.n ?? 0);
  }
  return toConnection(tenders, size, (t) => encodeCursor(keyOf(t)), totalCount, cursor !== null);
}
