import { announceAccessChange } from "../auth/access-change";
import type { EntityManager } from "@mikro-orm/postgresql";
import { User } from "../auth/user.entity";
import { isStaff, type Viewer } from "../auth/viewer";
import { BadInputError, ConflictError, InvalidStateError, NotFoundError } from "../common/errors";
import { decodeId } from "../common/node";
import { findCommune, findDepartment, normalizeCpv, type Commune } from "../common/reference/reference";
import { communeOf, communesOfKnownPostcode } from "../places/place.service";
import { LocationPrecision } from "../places/place.types";
import * as v from "../common/validate";
import { cpvPrefixes } from "../matching/cpv-similarity";
import type { Loaders } from "../context";
import { Cooperative, CooperativeReference, CooperativeSkill, Membership } from "./cooperative.entity";
import { CooperativeStatus, LegalForm, MemberRole } from "./cooperative.enums";
import type {
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
  locationPrecision: LocationPrecision | null;
}

/**
 * Fills commune, department, region and point from the INSEE code, the city (with its postcode
 * for namesakes) or a postcode that serves one commune; given coordinates win. Any commune of
 * France: a small one without a point of its own gets the documented fallback, and
 * `locationPrecision` says which. An unknown code or postcode, or a name that several communes
 * bear, is BAD_USER_INPUT naming the field.
 */
export function resolveLocation(field: string, input: LocationInput): ResolvedLocation {
  const address = v.optionalText(`${field}.address`, input.address, { max: 300 });
  const postcode = v.optionalText(`${field}.postcode`, input.postcode, { max: 5 });
  const served = postcode === null ? null : communesOfKnownPostcode(`${field}.postcode`, postcode);
  const cityName = v.optionalText(`${field}.city`, input.city, { max: 200 });
  const communeCode = v.optionalText(`${field}.communeCode`, input.communeCode, { max: 5 });
  let commune: Commune | undefined;
  if (communeCode !== null) {
    commune = findCommune({ insee: communeCode.toUpperCase() });
    if (!commune) throw new BadInputError(`${field}.communeCode`, "is not a known commune");
  } else if (cityName !== null) {
    commune = communeOf(`${field}.city`, cityName, postcode);
  } else if (served?.length === 1) {
    commune = served[0];
  }
  if (commune && postcode !== null && !commune.postcodes.includes(postcode)) {
    throw new BadInputError(`${field}.postcode`, `does not serve ${commune.name} (${commune.postcodes.join(", ")})`);
  }
  const hasLat = input.latitude !== null && input.latitude !== undefined;
  const hasLon = input.longitude !== null && input.longitude !== undefined;
  if (hasLat !== hasLon) throw new BadInputError(`${field}.${hasLat ? "longitude" : "latitude"}`, "give both coordinates");
  const latitude = hasLat ? v.latitude(`${field}.latitude`, input.latitude as number) : (commune?.lat ?? null);
  const longitude = hasLon ? v.longitude(`${field}.longitude`, input.longitude as number) : (commune?.lon ?? null);
  const departmentCode = commune?.dept ?? served?.[0]?.dept ?? null;
  return {
    address,
    postcode: postcode ?? commune?.postcodes[0] ?? null,
    city: commune?.name ?? cityName,
    communeCode: commune?.insee ?? null,
    departmentCode,
    regionCode: departmentCode ? (findDepartment(departmentCode)?.region ?? null) : null,
    latitude,
    longitude,
    locationPrecision: hasLat ? LocationPrecision.GIVEN : commune ? LocationPrecision[commune.precision] : null,
  };
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

// ---- the directory (listing: cooperative.directory.ts) ----------------------------------

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
