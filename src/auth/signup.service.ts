import { createHash, randomBytes } from "node:crypto";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { BadInputError } from "../common/errors";
import * as v from "../common/validate";
import type { Mailer } from "../mail/mailer";
import { announceAccessChange } from "./access-change";
import { AccountType, type SignUpInput } from "./auth.inputs";
import { EmailVerification } from "./email-verification.entity";
import { hashPassword } from "./password";
import { assertStrongPassword } from "./password-strength";
import { PlatformRole } from "./roles";
import { alreadyRegisteredMail, verificationMail } from "./signup.mails";
import { User } from "./user.entity";

/** How long a verification link works. */
export const VERIFICATION_TTL_HOURS = 24;

export interface SignUpDeps {
  em: EntityManager;
  mailer: Mailer;
  appUrl: string;
}

/** The one answer of signUp and resendVerification, whatever the address. */
export const SIGN_UP_ACCEPTED = "If this address can be used, a mail is on its way to it: follow its link to confirm the address, then sign in.";

export function hashVerificationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A fresh single-use token for `user`, and its mail, in the caller's transaction. */
async function sendVerification(em: EntityManager, deps: SignUpDeps, user: User): Promise<void> {
  const token = randomBytes(32).toString("base64url");
  em.create(EmailVerification, {
    user,
    tokenHash: hashVerificationToken(token),
    expiresAt: new Date(Date.now() + VERIFICATION_TTL_HOURS * 3600_000),
  });
  await deps.mailer.enqueue(em, verificationMail(user.email, user.name, deps.appUrl, token, VERIFICATION_TTL_HOURS));
}

/** A second sign-up for a known address: a verified account is told by mail; an unverified one gets a new link. */
async function remindExisting(deps: SignUpDeps, email: string): Promise<void> {
  await deps.em.fork().transactional(async (tx) => {
    const user = await tx.findOne(User, { email });
    if (!user) return;
    if (user.emailVerifiedAt) await deps.mailer.enqueue(tx, alreadyRegisteredMail(email, deps.appUrl));
    else await sendVerification(tx, deps, user);
  });
}

/**
 * Opens an unverified MEMBER or CLIENT account and mails it a verification link. The answer is
 * the same whether or not the address already has an account (that person is told by mail
 * instead), and costs the same: the password is hashed on both paths. No session is returned:
 * the person signs in once the address is confirmed.
 */
export async function signUp(deps: SignUpDeps, input: SignUpInput): Promise<{ accepted: true; message: string }> {
  const email = v.email("input.email", input.email);
  const name = v.text("input.name", input.name, { max: 200 });
  const password = assertStrongPassword("input.password", input.password, [email, name]);
  const passwordHash = await hashPassword(password);
  const role = input.accountType === AccountType.CLIENT ? PlatformRole.CLIENT : PlatformRole.MEMBER;
  try {
    const created = await deps.em.fork().transactional(async (tx) => {
      if (await tx.count(User, { email })) return false;
      const user = tx.create(User, { email, name, passwordHash, role });
      await tx.flush();
      await sendVerification(tx, deps, user);
      return true;
    });
    if (!created) await remindExisting(deps, email);
  } catch (error) {
    // The same address signed up concurrently: the other request opened the account.
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    await remindExisting(deps, email);
  }
  return { accepted: true, message: SIGN_UP_ACCEPTED };
}

/** Another verification link for an unverified account; the same answer for any address. */
export async function resendVerification(deps: SignUpDeps, rawEmail: string): Promise<{ accepted: true; message: string }> {
  const email = v.email("email", rawEmail);
  await deps.em.fork().transactional(async (tx) => {
    const user = await tx.findOne(User, { email });
    if (user && !user.emailVerifiedAt) await sendVerification(tx, deps, user);
  });
  return { accepted: true, message: SIGN_UP_ACCEPTED };
}

/**
 * Spends a verification token: once, before it expires. The account becomes verified and every
 * other outstanding token of it stops working.
 */
export async function verifyEmail(em: EntityManager, token: string): Promise<User> {
  const invalid = () => new BadInputError("token", "is not valid, already used or expired; ask for a new link with resendVerification");
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{20,100}$/.test(token.trim())) throw invalid();
  return em.fork().transactional(async (tx) => {
    const [spent] = await tx.execute<{ user_id: string }[]>(
      "UPDATE email_verifications SET used_at = now(), updated_at = now() WHERE token_hash = ? AND used_at IS NULL AND expires_at > now() RETURNING user_id",
      [hashVerificationToken(token.trim())],
    );
    if (!spent) throw invalid();
    await tx.execute("UPDATE email_verifications SET used_at = now(), updated_at = now() WHERE user_id = ? AND used_at IS NULL", [spent.user_id]);
    await tx.execute("UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now() WHERE id = ?", [spent.user_id]);
    // Sockets opened before this moment check the account again.
    await announceAccessChange(tx, { userIds: [spent.user_id] });
    return tx.findOneOrFail(User, { id: spent.user_id });
  });
}
