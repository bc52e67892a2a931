import { announceAccessChange } from "../auth/access-change";
import type { EntityManager } from "@mikro-orm/postgresql";
import { roleIn, type Actor } from "../auth/actor";
import { User } from "../auth/user.entity";
import { isStaff } from "../auth/viewer";
import { parseKnownCpv } from "../common/cpv";
import { InvalidStateError, NotFoundError } from "../common/errors";
import { decodeId } from "../common/node";
import * as v from "../common/validate";
import { cpvPrefixes } from "../matching/cpv-similarity";
import { resolveLocation } from "../places/location";
import { assertSiretFree, legalForm, nafCode, siret } from "./cooperative.checks";
import { Cooperative, CooperativeReference, CooperativeSkill, Membership } from "./cooperative.entity";
import { CooperativeStatus, LegalForm, MemberRole } from "./cooperative.enums";
import type { CreateCooperativeInput, ReferenceInput, SkillInput, UpdateCooperativeInput } from "./cooperative.inputs";
import { authorizeCooperative } from "./cooperative.policy";
import { authorizedCooperative, loadCooperative } from "./cooperative.queries";

/* The cooperative's use cases: its profile, skills, references and members. */

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
    annualRevenue: input.annualRevenue == null ? null : v.integer("input.annualRevenue", input.annualRevenue, 0, 2_000_000_000),
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
    changes.annualRevenue = input.annualRevenue == null ? null : v.integer("input.annualRevenue", input.annualRevenue, 0, 2_000_000_000);
  }
  if (has("opportunityThreshold") && input.opportunityThreshold != null) {
    changes.opportunityThreshold = v.decimal("input.opportunityThreshold", input.opportunityThreshold, 0, 1);
  }
  if (has("location")) {
    Object.assign(changes, input.location ? resolveLocation("input.location", input.location) : resolveLocation("input.location", {}));
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
  const code = parseKnownCpv("skill.code", input.code);
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
  const normalized = parseKnownCpv("code", code);
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
    cpv: parseKnownCpv("reference.code", input.code),
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
