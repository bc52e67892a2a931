import { announceAccessChange } from "../auth/access-change";
import type { EntityManager } from "@mikro-orm/postgresql";
import { User } from "../auth/user.entity";
import { isStaff, type Viewer } from "../auth/viewer";
import { BadInputError, ConflictError, InvalidStateError, NotFoundError } from "../common/errors";
import { readOnlyEntity } from "../common/base.entity";
import { boundingBox } from "../common/geo";
import { decodeId } from "../common/node";
import {
  decodeCursor,
  encodeCursor,
  pageSize,
  toConnection,
  type ConnectionShape,
  type CursorKind,
  type CursorValue,
} from "../common/pagination";
import { findCommune, findDepartment, normalizeCpv, type Commune } from "../common/reference/reference";
import * as v from "../common/validate";
import { cpvPrefixes } from "../matching/cpv-similarity";
import type { Loaders } from "../context";
import { Cooperative, CooperativeReference, CooperativeSkill, Membership } from "./cooperative.entity";
import { CooperativeOrder, CooperativeStatus, LegalForm, MemberRole } from "./cooperative.enums";
import type {
  CooperativesArgs,
  CreateCooperativeInput,
  LocationInput,
  ReferenceInput,
  SkillInput,
  UpdateCooperativeInput,
} from "./cooperative.inputs";
import { authorizeCooperative, type CooperativeAction } from "./cooperative.policy";
import { normalizeSiret, siretProblem } from "./siret";

export interface Actor {
  em: EntityManager;
  viewer: Viewer;
  loaders: Loaders;
}

/** The viewer's role in a cooperative, or null. */
export async function roleIn(actor: Actor, cooperativeId: string): Promise<MemberRole | null> {
  if (actor.viewer.kind !== "USER") return null;
  const roles = await actor.loaders.rolesOfUser.load(actor.viewer.userId);
  return roles.get(cooperativeId) ?? null;
}

export async function loadCooperative(actor: Actor, globalId: string, field = "id"): Promise<Cooperative> {
  const id = decodeId("Cooperative", globalId, field);
  const cooperative = await actor.em.findOne(Cooperative, { id });
  if (!cooperative) throw new NotFoundError("Cooperative", globalId);
  return cooperative;
}

export async function authorizedCooperative(actor: Actor, globalId: string, action: CooperativeAction, field = "id") {
  const cooperative = await loadCooperative(actor, globalId, field);
  authorizeCooperative(actor.viewer, action, await roleIn(actor, cooperative.id));
  return cooperative;
}

// ---- input checks --------------------------------------------------------------------------

export function siret(field: string, value: string): string {
  const normalized = normalizeSiret(String(value));
  const problem = siretProblem(normalized);
  if (problem) throw new BadInputError(field, `is not a valid SIRET: ${problem}`);
  return normalized;
}

function nafCode(field: string, value: string | null | undefined): string | null {
  const code = v.optionalText(field, value, { max: 6 });
  if (code === null) return null;
  const normalized = code.toUpperCase();
  if (!/^\d{2}\.\d{2}[A-Z]$/.test(normalized)) throw new BadInputError(field, "must look like 73.11Z");
  return normalized;
}

function cpv(field: string, value: string): string {
  const code = typeof value === "string" ? normalizeCpv(value) : null;
  if (!code) throw new BadInputError(field, "is not a known CPV code of the platform's list");
  return code;
}

function legalForm(field: string, value: LegalForm): LegalForm {
  if (!Object.values(LegalForm).includes(value)) throw new BadInputError(field, "is not a legal form");
  return value;
}

interface ResolvedLocation {
  address: string | null;
  postcode: string | null;
  city: string | null;
  communeCode: string | null;
  departmentCode: string | null;
  regionCode: string | null;
  latitude: number | null;
  longitude: number | null;
}

/** Fills department, region and coordinates from the commune; given coordinates win. */
export function resolveLocation(field: string, input: LocationInput): ResolvedLocation {
  const address = v.optionalText(`${field}.address`, input.address, { max: 300 });
  const postcode = v.optionalText(`${field}.postcode`, input.postcode, { max: 5 });
  if (postcode !== null && !/^\d{5}$/.test(postcode)) throw new BadInputError(`${field}.postcode`, "must be 5 digits");
  const cityName = v.optionalText(`${field}.city`, input.city, { max: 200 });
  const communeCode = v.optionalText(`${field}.communeCode`, input.communeCode, { max: 5 });
  let commune = null;
  if (communeCode !== null) {
    commune = findCommune({ insee: communeCode.toUpperCase() });
    if (!commune) throw new BadInputError(`${field}.communeCode`, "is not a known commune");
  } else if (cityName !== null) {
    commune = findCommune({ name: cityName, postcode: postcode ?? undefined });
  }
  const hasLat = input.latitude !== null && input.latitude !== undefined;
  const hasLon = input.longitude !== null && input.longitude !== undefined;
  if (hasLat !== hasLon) throw new BadInputError(`${field}.${hasLat ? "longitude" : "latitude"}`, "give both coordinates");
  const latitude = hasLat ? v.latitude(`${field}.latitude`, input.latitude as number) : (commune?.lat ?? null);
  const longitude = hasLon ? v.longitude(`${field}.longitude`, input.longitude as number) : (commune?.lon ?? null);
  const departmentCode = commune?.dept ?? (postcode ? departmentOfPostcode(postcode) : null);
  return {
    address,
    postcode: postcode ?? commune?.postcodes[0] ?? null,
    city: commune?.name ?? cityName,
    communeCode: commune?.insee ?? null,
    departmentCode,
    regionCode: departmentCode ? (findDepartment(departmentCode)?.region ?? null) : null,
    latitude,
    longitude,
  };
}

function departmentOfPostcode(postcode: string): string | null {
  if (postcode.startsWith("97")) return findDepartment(postcode.slice(0, 3)) ? postcode.slice(0, 3) : null;
  if (postcode.startsWith("20")) return Number(postcode) < 20200 ? "2A" : "2B";
  return findDepartment(postcode.slice(0, 2)) ? postcode.slice(0, 2) : null;
}

async function assertSiretFree(em: EntityManager, value: string, exceptId?: string): Promise<void> {
  const other = await em.findOne(Cooperative, { siret: value }, { fields: ["id"] });
  if (other && other.id !== exceptId) throw new ConflictError("A cooperative with this SIRET is already registered.");
}

// ---- use cases -----------------------------------------------------------------------------

export async function createCooperative(actor: Actor, input: CreateCooperativeInput): Promise<Cooperative> {
  authorizeCooperative(actor.viewer, "create", null);
  const { em, viewer } = actor;
  const values = {
    name: v.text("input.name", input.name, { max: 200 }),
    legalForm: legalForm("input.legalForm", input.legalForm),
    siret: siret("input.siret", input.siret),
    nafCode: nafCode("input.nafCode", input.nafCode),
    description: v.optionalText("input.description", input.description, { max: 5000, multiline: true }),
    website: v.url("input.website", input.website),
    headcount: input.headcount == null ? null : v.integer("input.headcount", input.headcount, 0, 100_000),
    annualRevenue:
      input.annualRevenue == null ? null : v.integer("input.annualRevenue", input.annualRevenue, 0, 2_000_000_000),
    ...(input.location ? resolveLocation("input.location", input.location) : {}),
  };
  await assertSiretFree(em, values.siret);
  // Registered by a member: PENDING until an officer checks it (src/cooperatives/cooperative.verification.ts).
  // Registered by the federation's staff: checked by them already.
  const selfRegistered = !isStaff(viewer);
  const cooperative = em.create(Cooperative, {
    ...values,
    status: selfRegistered ? CooperativeStatus.PENDING : CooperativeStatus.VERIFIED,
    verifiedAt: selfRegistered ? null : new Date(),
    verifiedBy: !selfRegistered && viewer.kind === "USER" ? em.getReference(User, viewer.userId) : null,
  });
  // A member who registers a cooperative becomes its first owner.
  if (viewer.kind === "USER" && viewer.role === "MEMBER") {
    em.create(Membership, { cooperative, user: em.getReference(User, viewer.userId), role: MemberRole.OWNER });
  }
  await em.flush();
  return cooperative;
}

export async function updateCooperative(actor: Actor, globalId: string, input: UpdateCooperativeInput): Promise<Cooperative> {
  const cooperative = await authorizedCooperative(actor, globalId, "edit");
  const has = (key: keyof UpdateCooperativeInput) => Object.prototype.hasOwnProperty.call(input, key);
  const changes: Partial<Cooperative> = {};
  if (has("name")) changes.name = v.text("input.name", input.name as string, { max: 200 });
  if (has("legalForm")) changes.legalForm = legalForm("input.legalForm", input.legalForm as LegalForm);
  if (has("siret")) changes.siret = siret("input.siret", input.siret as string);
  if (has("nafCode")) changes.nafCode = nafCode("input.nafCode", input.nafCode);
  if (has("description")) {
    changes.description = v.optionalText("input.description", input.description, { max: 5000, multiline: true });
  }
  if (has("website")) changes.website = v.url("input.website", input.website);
  if (has("headcount")) {
    changes.headcount = input.headcount == null ? null : v.integer("input.headcount", input.headcount, 0, 100_000);
  }
  if (has("annualRevenue")) {
    changes.annualRevenue =
      input.annualRevenue == null ? null : v.integer("input.annualRevenue", input.annualRevenue, 0, 2_000_000_000);
  }
  if (has("opportunityThreshold") && input.opportunityThreshold != null) {
    changes.opportunityThreshold = v.decimal("input.opportunityThreshold", input.opportunityThreshold, 0, 1);
  }
  if (has("location")) {
    Object.assign(
      changes,
      input.location
        ? resolveLocation("input.location", input.location)
        : resolveLocation("input.location", {}),
    );
  }
  if (changes.siret && changes.siret !== cooperative.siret) await assertSiretFree(actor.em, changes.siret, cooperative.id);
  actor.em.assign(cooperative, changes);
  await actor.em.flush();
  return cooperative;
}

/** Keeps the indexed prefix array in step with the skills. */
async function refreshCpvPrefixes(em: EntityManager, cooperative: Cooperative): Promise<void> {
  const skills = await em.find(CooperativeSkill, { cooperative });
  cooperative.cpvPrefixes = [...new Set(skills.flatMap((s) => cpvPrefixes(s.cpv)))].sort();
}

export async function setSkill(actor: Actor, globalId: string, input: SkillInput): Promise<Cooperative> {
  const cooperative = await authorizedCooperative(actor, globalId, "edit", "cooperativeId");
  const code = cpv("skill.code", input.code);
  const level = v.integer("skill.level", input.level, 1, 5);
  const { em } = actor;
  const existing = await em.findOne(CooperativeSkill, { cooperative, cpv: code });
  if (existing) existing.level = level;
  else em.create(CooperativeSkill, { cooperative, cpv: code, level });
  await em.flush();
  await refreshCpvPrefixes(em, cooperative);
  await em.flush();
  return cooperative;
}

export async function removeSkill(actor: Actor, globalId: string, code: string): Promise<Cooperative> {
  const cooperative = await authorizedCooperative(actor, globalId, "edit", "cooperativeId");
  const normalized = cpv("code", code);
  const { em } = actor;
  const existing = await em.findOne(CooperativeSkill, { cooperative, cpv: normalized });
  if (!existing) throw new NotFoundError("Skill", normalized);
  em.remove(existing);
  await em.flush();
  await refreshCpvPrefixes(em, cooperative);
  await em.flush();
  return cooperative;
}

export async function addReference(actor: Actor, globalId: string, input: ReferenceInput): Promise<CooperativeReference> {
  const cooperative = await authorizedCooperative(actor, globalId, "edit", "cooperativeId");
  const nextYear = new Date().getUTCFullYear() + 1;
  const reference = actor.em.create(CooperativeReference, {
    cooperative,
    title: v.text("reference.title", input.title, { max: 300 }),
    client: v.text("reference.client", input.client, { max: 200 }),
    cpv: cpv("reference.code", input.code),
    year: v.integer("reference.year", input.year, 1950, nextYear),
    amount: input.amount == null ? null : v.integer("reference.amount", input.amount, 0, 2_000_000_000),
    description: v.optionalText("reference.description", input.description, { max: 5000, multiline: true }),
  });
  await actor.em.flush();
  return reference;
}

export async function removeReference(actor: Actor, globalId: string): Promise<Cooperative> {
  const id = decodeId("CooperativeReference", globalId, "id");
  const reference = await actor.em.findOne(CooperativeReference, { id }, { populate: ["cooperative"] });
  if (!reference) throw new NotFoundError("CooperativeReference", globalId);
  authorizeCooperative(actor.viewer, "edit", await roleIn(actor, reference.cooperative.id));
  actor.em.remove(reference);
  await actor.em.flush();
  return reference.cooperative;
}

export async function assertNotLastOwner(em: EntityManager, membership: Membership, newRole: MemberRole | null) {
  if (membership.role !== MemberRole.OWNER || newRole === MemberRole.OWNER) return;
  const owners = await em.count(Membership, { cooperative: membership.cooperative, role: MemberRole.OWNER });
  if (owners <= 1) throw new InvalidStateError("A cooperative keeps at least one owner: name another owner first.");
}

export async function removeMember(actor: Actor, cooperativeGlobalId: string, userGlobalId: string): Promise<Cooperative> {
  const cooperative = await loadCooperative(actor, cooperativeGlobalId, "cooperativeId");
  const userId = decodeId("User", userGlobalId, "userId");
  const role = await roleIn(actor, cooperative.id);
  // Anyone may leave a cooperative; removing someone else takes an owner or staff.
  const leaving = actor.viewer.kind === "USER" && actor.viewer.userId === userId;
  if (!leaving) authorizeCooperative(actor.viewer, "edit", role);
  const membership = await actor.em.findOne(Membership, { cooperative, user: userId });
  if (!membership) throw new NotFoundError("Membership");
  await assertNotLastOwner(actor.em, membership, null);
  await actor.em.transactional(async (em) => {
    await em.nativeDelete(Membership, { id: membership.id });
    // Their open sockets stop reading this cooperative's bids at once, on every instance.
    await announceAccessChange(em, { userIds: [userId] });
  });
  return cooperative;
}

// ---- the directory -------------------------------------------------------------------------

const EARTH_KM = 6371.0088;

/** Great-circle distance in SQL, from the row's coordinates to (?, ?). */
const DISTANCE_SQL = `(${EARTH_KM} * 2 * asin(sqrt(power(sin(radians(c.latitude - ?) / 2), 2)
  + cos(radians(?)) * cos(radians(c.latitude)) * power(sin(radians(c.longitude - ?) / 2), 2))))`;

/** Words of a search box as a French prefix query: "imprim rouen" → imprim:* & rouen:*. */
export function toPrefixQuery(search: string): string | null {
  const words = search
    .normalize("NFKC")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 8);
  return words.length ? words.map((w) => `${w}:*`).join(" & ") : null;
}

/** The commune of a `near` criterion, by INSEE code or name (also used by saved searches). */
export function resolveNearCommune(field: string, value: string): Commune {
  const query = v.text(field, value, { max: 200 });
  const commune = /^\d[\dAB]\d{3}$/i.test(query) ? findCommune({ insee: query.toUpperCase() }) : findCommune({ name: query });
  if (!commune) throw new BadInputError(field, "is not a known commune");
  return commune;
}

function resolveNear(near: NonNullable<NonNullable<CooperativesArgs["filter"]>["near"]>) {
  const radiusKm = v.decimal("filter.near.radiusKm", near.radiusKm, 0, 2000);
  if (near.commune) {
    const commune = resolveNearCommune("filter.near.commune", near.commune);
    return { lat: commune.lat, lon: commune.lon, radiusKm };
  }
  if (near.latitude == null || near.longitude == null) {
    throw new BadInputError("filter.near", "give a commune, or a latitude and a longitude");
  }
  return {
    lat: v.latitude("filter.near.latitude", near.latitude),
    lon: v.longitude("filter.near.longitude", near.longitude),
    radiusKm,
  };
}

export interface CooperativeRow extends Cooperative {
  distanceKm?: number | null;
}

/** The directory's columns (not the search vector), read as is. */
const DIRECTORY_COLUMNS = `c.id, c.created_at, c.updated_at, c.name, c.legal_form, c.siret, c.naf_code, c.description,
  c.website, c.address, c.postcode, c.city, c.commune_code, c.department_code, c.region_code, c.latitude,
  c.longitude, c.headcount, c.annual_revenue, c.opportunity_threshold, c.cpv_prefixes, c.status, c.verified_at`;

/**
 * A page of the directory as read-only objects of the Cooperative type, without the identity
 * map's cost (bench/read: most of a page's CPU went to entity creation and tracking). Writes
 * always load the entity through the entity manager.
 */
function directoryRow(row: Record<string, unknown>): CooperativeRow {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return readOnlyEntity<CooperativeRow>(Cooperative, {
    id: String(row.id),
    createdAt: new Date(row.created_at as string),
    updatedAt: new Date(row.updated_at as string),
    name: String(row.name),
    legalForm: row.legal_form as LegalForm,
    siret: String(row.siret),
    nafCode: str(row.naf_code),
    description: str(row.description),
    website: str(row.website),
    address: str(row.address),
    postcode: str(row.postcode),
    city: str(row.city),
    communeCode: str(row.commune_code),
    departmentCode: str(row.department_code),
    regionCode: str(row.region_code),
    latitude: num(row.latitude),
    longitude: num(row.longitude),
    headcount: num(row.headcount),
    annualRevenue: num(row.annual_revenue),
    opportunityThreshold: Number(row.opportunity_threshold),
    cpvPrefixes: (row.cpv_prefixes as string[] | null) ?? [],
    status: row.status as CooperativeStatus,
    verifiedAt: row.verified_at === null || row.verified_at === undefined ? null : new Date(row.verified_at as string),
  });
}

export async function listCooperatives(
  actor: Actor,
  args: CooperativesArgs,
  wantsTotal: boolean,
): Promise<ConnectionShape<Cooperative>> {
  authorizeCooperative(actor.viewer, "read", null);
  const size = pageSize(args.first);
  const order = args.orderBy ?? CooperativeOrder.NAME;
  const filter = args.filter ?? {};
  const where: string[] = [];
  const params: unknown[] = [];

  if (filter.search != null) {
    const query = toPrefixQuery(v.text("filter.search", filter.search, { max: 200 }));
    if (query) {
      where.push("c.search @@ to_tsquery('french', ?)");
      params.push(query);
    }
  }
  if (filter.cpv != null) {
    const raw = v.text("filter.cpv", filter.cpv, { max: 10 }).replace(/-\d$/, "");
    if (!/^\d{2,8}$/.test(raw)) throw new BadInputError("filter.cpv", "must be a CPV code or prefix of 2 to 8 digits");
    // A full code stands for its significant prefix: 79340000 means "anything under 7934".
    const prefix = raw.length === 8 ? (cpvPrefixes(raw).at(-1) ?? raw) : raw;
    where.push("c.cpv_prefixes @> ARRAY[?]::text[]");
    params.push(prefix);
  }
  if (filter.department != null) {
    const code = v.text("filter.department", filter.department, { max: 3 }).toUpperCase();
    if (!findDepartment(code)) throw new BadInputError("filter.department", "is not a department code");
    where.push("c.department_code = ?");
    params.push(code);
  }
  if (filter.region != null) {
    const code = v.text("filter.region", filter.region, { max: 2 });
    where.push("c.region_code = ?");
    params.push(code);
  }
  if (filter.status != null) {
    if (!Object.values(CooperativeStatus).includes(filter.status)) throw new BadInputError("filter.status", "is not a cooperative status");
    where.push("c.status = ?");
    params.push(filter.status);
  }
  let distance: { sql: string; params: number[] } | null = null;
  if (filter.near) {
    const near = resolveNear(filter.near);
    const box = boundingBox({ lat: near.lat, lon: near.lon }, near.radiusKm);
    distance = { sql: DISTANCE_SQL, params: [near.lat, near.lat, near.lon] };
    where.push("c.latitude BETWEEN ? AND ? AND c.longitude BETWEEN ? AND ?");
    params.push(box.minLat, box.maxLat, box.minLon, box.maxLon);
    where.push(`${DISTANCE_SQL} <= ?`);
    params.push(...distance.params, near.radiusKm);
  }
  if (order === CooperativeOrder.DISTANCE && !distance) {
    throw new BadInputError("orderBy", "DISTANCE needs the filter.near argument");
  }

  const filterWhere = [...where];
  const filterParams = [...params];
  const cursorKinds: CursorKind[] =
    order === CooperativeOrder.DISTANCE ? ["number", "uuid"] : order === CooperativeOrder.NEWEST ? ["date", "uuid"] : ["string", "uuid"];
  const cursor = decodeCursor(args.after, cursorKinds);
  let orderSql: string;
  let keyOf: (row: CooperativeRow) => CursorValue[];
  if (order === CooperativeOrder.DISTANCE && distance) {
    orderSql = `${distance.sql} ASC, c.id ASC`;
    keyOf = (row) => [row.distanceKm ?? null, row.id];
    if (cursor) {
      where.push(`(${distance.sql}, c.id) > (?, ?::uuid)`);
      params.push(...distance.params, Number(cursor[0]), String(cursor[1]));
    }
  } else if (order === CooperativeOrder.NEWEST) {
    orderSql = "c.created_at DESC, c.id DESC";
    keyOf = (row) => [row.createdAt.toISOString(), row.id];
    if (cursor) {
      where.push("(c.created_at, c.id) < (?::timestamptz, ?::uuid)");
      params.push(String(cursor[0]), String(cursor[1]));
    }
  } else {
    orderSql = "c.name ASC, c.id ASC";
    keyOf = (row) => [row.name, row.id];
    if (cursor) {
      where.push("(c.name, c.id) > (?, ?::uuid)");
      params.push(String(cursor[0]), String(cursor[1]));
    }
  }
  const whereSql = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const distanceSelect = distance ? `, ${distance.sql} AS distance_km` : "";
  const sql = `SELECT ${DIRECTORY_COLUMNS}${distanceSelect} FROM cooperatives c ${whereSql} ORDER BY ${orderSql} LIMIT ?`;
  const selectParams = [...(distance ? distance.params : []), ...params, ...(distance && order === CooperativeOrder.DISTANCE ? distance.params : []), size + 1];
  const connection = actor.em.getConnection();
  const rows = await connection.execute<Record<string, unknown>[]>(sql, selectParams);
  const cooperatives: CooperativeRow[] = rows.map((row) => {
    const entity = directoryRow(row);
    if (distance) entity.distanceKm = Number(row.distance_km);
    return entity;
  });
  let totalCount = -1;
  if (wantsTotal) {
    const countWhere = filterWhere.length ? `WHERE ${filterWhere.join(" AND ")}` : "";
    const [count] = await connection.execute<{ n: string }[]>(
      `SELECT count(*) AS n FROM cooperatives c ${countWhere}`,
      filterParams,
    );
    totalCount = Number(count?.n ?? 0);
  }
  return toConnection(cooperatives, size, (row) => encodeCursor(keyOf(row)), totalCount, cursor !== null);
}
