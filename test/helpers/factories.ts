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
import type { TestServer } from "./server";
import { TEST_JWT_SECRET } from "./server";

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
    latitude: seed.lat ?? null,
    longitude: seed.lon ?? null,
    departmentCode: seed.dept ?? null,
    regionCode: seed.region ?? null,
    city: seed.city ?? null,
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

export async function countRows(server: TestServer, table: string): Promise<number> {
  const rows = await server.orm.em.getConnection().execute<{ n: string }[]>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]?.n ?? 0);
}
