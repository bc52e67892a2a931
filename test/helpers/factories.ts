import { randomBytes } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { hashPassword } from "../../src/auth/password";
import { PlatformRole } from "../../src/auth/roles";
import { Session } from "../../src/auth/session.entity";
import { signSession } from "../../src/auth/tokens";
import { User } from "../../src/auth/user.entity";
import { toGlobalId } from "../../src/common/node";
import { Cooperative, CooperativeSkill, Membership } from "../../src/cooperatives/cooperative.entity";
import { CooperativeStatus, LegalForm, MemberRole } from "../../src/cooperatives/cooperative.enums";
import { EmailVerification } from "../../src/auth/email-verification.entity";
import { hashVerificationToken } from "../../src/auth/signup.service";
import { withLuhnKey } from "../../src/cooperatives/siret";
import { cpvPrefixes } from "../../src/matching/cpv-similarity";
import { Bid, BidLot, BidLotAssignment, BidMember } from "../../src/bids/bid.entity";
import { BidGroupType, BidMemberRole, BidMemberStatus, BidStatus } from "../../src/bids/bid.enums";
import { Lot, Tender } from "../../src/tenders/tender.entity";
import { TenderKind, TenderStatus } from "../../src/tenders/tender.enums";
import { cpvSummary } from "../../src/tenders/tender.cpv";
import { placeOf } from "../../src/places/place.embeddable";
import type { TestServer } from "./server";
import { TEST_JWT_SECRET } from "./server";

/**
 * One factory module for test set-up (set-up, not the code under test: each feature's own tests
 * drive it through the API). Each `buildX(em, overrides)` creates what it needs and returns the
 * entity with its global id: `createUser`, `insertCooperative` (a cooperative with its skills,
 * owner and members), `buildMember` (one more person of a cooperative), `buildTender` (with its
 * lots), `buildBid` (with its group, as it stands after submission).
 */

/** A precomputed scrypt hash of "correct horse battery": factories stay fast. */
let sharedHash: Promise<string> | null = null;
export const FACTORY_PASSWORD = "correct horse battery";

export interface TestUser {
  id: string;
  globalId: string;
  email: string;
  token: string;
}

export async function createUser(server: TestServer, role: PlatformRole = PlatformRole.MEMBER, email?: string): Promise<TestUser> {
  sharedHash ??= hashPassword(FACTORY_PASSWORD);
  const em = server.orm.em.fork();
  const user = em.create(User, {
    email: email ?? `${role.toLowerCase()}-${randomBytes(4).toString("hex")}@test.coop`,
    name: `Test ${role}`,
    role,
    passwordHash: await sharedHash,
    // Accounts made by the factory have proved their address; test/auth covers those that have not.
    emailVerifiedAt: new Date(),
  });
  await em.flush();
  const token = await sessionToken(server, user.id, role);
  return { id: user.id, globalId: toGlobalId("User", user.id), email: user.email, token };
}

/**
 * A token of a new session of this person, as a sign-in makes (a session row and a token naming
 * it), expiring in `ttlSeconds`: tests need no password round trip.
 */
export async function sessionToken(server: TestServer, userId: string, role: PlatformRole, ttlSeconds = 3600, tokenVersion = 0): Promise<string> {
  const em = server.orm.em.fork();
  const session = em.create(Session, { user: userId, expiresAt: new Date(Date.now() + ttlSeconds * 1000) });
  await em.flush();
  const { token } = await signSession(new TextEncoder().encode(TEST_JWT_SECRET), { userId, sessionId: session.id, role, tokenVersion }, ttlSeconds);
  return token;
}

/**
 * An account that has not proved its address yet (as signUp leaves it), with a session and a live
 * verification token, inserted directly.
 */
export async function createUnverifiedUser(server: TestServer, role: PlatformRole = PlatformRole.MEMBER): Promise<TestUser & { verificationToken: string }> {
  const user = await createUser(server, role);
  const verificationToken = randomBytes(32).toString("base64url");
  const em = server.orm.em.fork();
  await em.nativeUpdate(User, { id: user.id }, { emailVerifiedAt: null });
  em.create(EmailVerification, { user: user.id, tokenHash: hashVerificationToken(verificationToken), expiresAt: new Date(Date.now() + 3600_000) });
  await em.flush();
  return { ...user, verificationToken };
}

let siretCounter = 0;
/** A SIRET whose SIREN (first 9 digits) and whole 14 digits both carry a right Luhn key. */
export function validSiret(): string {
  siretCounter += 1;
  const siren = withLuhnKey(String(40000000 + Math.floor(Math.random() * 50000000)));
  return withLuhnKey(siren + String(siretCounter % 10000).padStart(4, "0"));
}

export interface CooperativeSeed {
  name?: string;
  lat?: number | null;
  lon?: number | null;
  dept?: string | null;
  region?: string | null;
  city?: string | null;
  skills?: [string, number][];
  owner?: TestUser;
  members?: TestUser[];
  headcount?: number;
  annualRevenue?: number;
  description?: string;
  /** VERIFIED unless said (a member's registration through the API is PENDING). */
  status?: CooperativeStatus;
}

/** Inserts a cooperative straight into the database (test set-up, not the code under test). */
export async function insertCooperative(em: EntityManager, seed: CooperativeSeed = {}): Promise<Cooperative & { gid: string }> {
  const cooperative = em.create(Cooperative, {
    name: seed.name ?? `Coop ${randomBytes(3).toString("hex")}`,
    legalForm: LegalForm.SCOP_SARL,
    siret: validSiret(),
    place: placeOf({
      latitude: seed.lat ?? null,
      longitude: seed.lon ?? null,
      departmentCode: seed.dept ?? null,
      regionCode: seed.region ?? null,
      city: seed.city ?? null,
    }),
    headcount: seed.headcount ?? 10,
    annualRevenue: seed.annualRevenue ?? 800_000,
    description: seed.description ?? null,
    status: seed.status ?? CooperativeStatus.VERIFIED,
  });
  const skills = seed.skills ?? [];
  for (const [cpv, level] of skills) em.create(CooperativeSkill, { cooperative, cpv, level });
  cooperative.cpvPrefixes = [...new Set(skills.flatMap(([cpv]) => cpvPrefixes(cpv)))];
  if (seed.owner) em.create(Membership, { cooperative, user: seed.owner.id, role: MemberRole.OWNER });
  for (const member of seed.members ?? []) em.create(Membership, { cooperative, user: member.id, role: MemberRole.MEMBER });
  await em.flush();
  return Object.assign(cooperative, { gid: toGlobalId("Cooperative", cooperative.id) });
}

/**
 * One more person of a cooperative (a plain MEMBER unless said): inside a bid, people of the same
 * cooperative share its rights, e.g. to type into the sections assigned to one of them.
 */
export async function buildMember(server: TestServer, cooperativeId: string, overrides: { role?: MemberRole; user?: TestUser } = {}): Promise<TestUser> {
  const person = overrides.user ?? (await createUser(server));
  const em = server.orm.em.fork();
  em.create(Membership, { cooperative: cooperativeId, user: person.id, role: overrides.role ?? MemberRole.MEMBER });
  await em.flush();
  return person;
}

export interface LotSeed {
  title: string;
  cpv: readonly string[];
  estimatedValue?: number | null;
}

export interface TenderSeed {
  title?: string;
  kind?: TenderKind;
  status?: TenderStatus;
  clientId?: string;
  createdById?: string;
  assignedOfficerId?: string;
  /** The codes of the one lot when `lots` is not given. */
  cpv?: readonly string[];
  /** Numbered from 1 in this order; default one lot, "Lot unique", of `cpv`. */
  lots?: readonly LotSeed[];
  buyerName?: string;
  dept?: string | null;
  region?: string | null;
  city?: string | null;
  nutsCode?: string | null;
  lat?: number | null;
  lon?: number | null;
  value?: number | null;
  deadline?: Date | null;
  publishedAt?: Date | null;
  description?: string;
  maxLotsPerTenderer?: number | null;
  /** Sets groupLegalFormRequired too. */
  groupLegalForm?: string;
}

export type BuiltTender = Tender & { gid: string; lotRefs: { id: string; gid: string; number: number }[] };

/** Inserts a tender with its lots straight into the database. */
export async function buildTender(em: EntityManager, seed: TenderSeed = {}): Promise<BuiltTender> {
  const lotSeeds = seed.lots ?? [{ title: "Lot unique", cpv: seed.cpv ?? ["79810000"] }];
  const tender = em.create(Tender, {
    kind: seed.kind ?? TenderKind.PUBLIC_TENDER,
    status: seed.status ?? TenderStatus.OPEN,
    title: seed.title ?? "Impression de brochures",
    description: seed.description ?? null,
    buyerName: seed.buyerName ?? "Ville de Rouen",
    client: seed.clientId ? em.getReference(User, seed.clientId) : null,
    createdBy: seed.createdById ? em.getReference(User, seed.createdById) : null,
    assignedOfficer: seed.assignedOfficerId ? em.getReference(User, seed.assignedOfficerId) : null,
    place: placeOf({
      departmentCode: seed.dept ?? null,
      regionCode: seed.region ?? null,
      city: seed.city ?? null,
      latitude: seed.lat ?? null,
      longitude: seed.lon ?? null,
    }),
    nutsCode: seed.nutsCode ?? null,
    estimatedValue: seed.value ?? null,
    maxLotsPerTenderer: seed.maxLotsPerTenderer ?? null,
    groupLegalFormRequired: seed.groupLegalForm ? true : null,
    groupLegalForm: seed.groupLegalForm ?? null,
    submissionDeadline: seed.deadline === undefined ? new Date(Date.now() + 30 * 86400_000) : seed.deadline,
    publishedAt: seed.publishedAt ?? null,
    ...cpvSummary(lotSeeds.map((lot) => [...lot.cpv])),
  });
  const lots = lotSeeds.map((lot, i) => buildLot(em, tender, { number: i + 1, ...lot }));
  await em.flush();
  return Object.assign(tender, {
    gid: toGlobalId("Tender", tender.id),
    lotRefs: lots.map((lot) => ({ id: lot.id, gid: toGlobalId("Lot", lot.id), number: lot.number })),
  });
}

/** A lot of `tender`, created in `em` (flushed by the caller). */
export function buildLot(em: EntityManager, tender: Tender, seed: LotSeed & { number: number }): Lot {
  const cpvCodes = [...seed.cpv];
  return em.create(Lot, {
    tender,
    number: seed.number,
    title: seed.title,
    cpvCodes,
    cpvPrefixes: cpvSummary([cpvCodes]).cpvPrefixes,
    estimatedValue: seed.estimatedValue ?? null,
  });
}

export interface BidSeed {
  tenderId: string;
  /** Lead first; every member ACCEPTED. */
  cooperativeIds: string[];
  /** The lots the bid answers, each assigned to the lead; default every lot of the tender. */
  lotIds?: string[];
  groupType?: BidGroupType;
  status?: BidStatus;
}

/**
 * Inserts a bid with its group as it stands after submission (submission itself is tested in
 * test/bids): accepted members, the lots it answers assigned to the lead, status SUBMITTED.
 */
export async function buildBid(em: EntityManager, seed: BidSeed): Promise<{ id: string; gid: string }> {
  const tender = em.getReference(Tender, seed.tenderId);
  const [leadId, ...others] = seed.cooperativeIds;
  if (!leadId) throw new Error("buildBid: a bid needs a lead cooperative");
  const bid = em.create(Bid, {
    tender,
    lead: em.getReference(Cooperative, leadId),
    title: "Offre",
    groupType: seed.groupType ?? BidGroupType.CONJOINT,
    status: seed.status ?? BidStatus.SUBMITTED,
    submittedAt: new Date(),
  });
  const lead = em.create(BidMember, { bid, cooperative: em.getReference(Cooperative, leadId), role: BidMemberRole.LEAD, status: BidMemberStatus.ACCEPTED });
  for (const id of others)
    em.create(BidMember, { bid, cooperative: em.getReference(Cooperative, id), role: BidMemberRole.MEMBER, status: BidMemberStatus.ACCEPTED });
  const lotIds = seed.lotIds ?? (await em.find(Lot, { tender: seed.tenderId })).map((l) => l.id);
  for (const lotId of lotIds) {
    // The lots it declared it answers (Bid.lots), each performed by the lead.
    em.create(BidLot, { bid, lot: em.getReference(Lot, lotId) });
    em.create(BidLotAssignment, { bid, lot: em.getReference(Lot, lotId), member: lead });
  }
  await em.flush();
  return { id: bid.id, gid: toGlobalId("Bid", bid.id) };
}

/** The types and payloads of a bid's log, in order. */
export async function eventTypes(em: EntityManager, bidId: string): Promise<{ type: string; payload: Record<string, unknown> }[]> {
  return em.getConnection().execute("SELECT type, payload FROM bid_events WHERE bid_id = ? ORDER BY seq", [bidId]);
}

export async function countRows(server: TestServer, table: string): Promise<number> {
  const rows = await server.orm.em.getConnection().execute<{ n: string }[]>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]?.n ?? 0);
}
