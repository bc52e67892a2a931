import type { ParsedMail } from "mailparser";
import { PlatformRole } from "../../src/auth/roles";
import {
  CooperativesDocument,
  CreateCooperativeDocument,
  ResendVerificationDocument,
  SignInDocument,
  SignUpDocument,
  VerifyEmailDocument,
  ViewerDocument,
} from "../generated/graphql";
import { countRows, createUser, validSiret } from "../helpers/factories";
import { codes, startTestServer, wsOnce, type TestServer } from "../helpers/server";
import { MailCatcher, tokenOf } from "../mail/smtp";

/*
 * Sign-up end to end through a real SMTP server: the same answer for a new and a known address,
 * a verification link that works once and expires, an account that can do nothing before it is
 * verified, rate limits, and a password strength estimator.
 */

let server: TestServer;
let catcher: MailCatcher;
beforeAll(async () => {
  catcher = await MailCatcher.start();
  // This file's own limits are wide: the rate-limit test below runs on a server with the defaults.
  server = await startTestServer({ env: { SMTP_URL: catcher.url, SIGNUP_LIMIT_PER_ADDRESS: "100", SIGNUP_LIMIT_PER_EMAIL: "10" } });
});
afterAll(async () => {
  await server?.close();
  await catcher?.close();
});

const PASSWORD = "une coopérative de graphistes";
const input = (email: string, password = PASSWORD) => ({ email, name: "Nina Coop", password, accountType: "MEMBER" as const });
const newCoop = () => ({ name: `Coop ${validSiret()}`, legalForm: "SCOP_SARL" as const, siret: validSiret() });

async function signIn(email: string, password = PASSWORD): Promise<string> {
  const result = await server.gql(SignInDocument, { input: { email, password } });
  expect(result.errors).toBeUndefined();
  return result.data!.signIn.token;
}

describe("verification", () => {
  test("sign up, read the link from the mail, verify, then act", async () => {
    const email = "flow@signup.coop";
    const up = await server.gql(SignUpDocument, { input: input(email) });
    expect(up.errors).toBeUndefined();
    expect(up.data?.signUp.accepted).toBe(true);
    const mail = await catcher.next(email);
    expect(mail.subject).toBe("Confirm your e-mail address for Scopgraph");
    const token = tokenOf(mail);
    // Stored hashed, never in clear.
    const stored = await server.orm.em.getConnection().execute<{ token_hash: string }[]>("SELECT token_hash FROM email_verifications");
    expect(stored.map((r) => r.token_hash)).not.toContain(token);

    // Before verification: sign-in works, the viewer reads, everything else is refused, on both transports.
    const session = await signIn(email);
    expect((await server.gql(ViewerDocument, {}, session)).data?.viewer).toMatchObject({ email, emailVerifiedAt: null });
    const refused = await server.gql(CreateCooperativeDocument, { input: newCoop() }, session);
    expect(codes(refused)).toEqual(["FORBIDDEN"]);
    expect(refused.errors?.[0]?.extensions?.reason).toBe("EMAIL_NOT_VERIFIED");
    expect(refused.errors?.[0]?.message).toMatch(/verify your e-mail address first/i);
    const overWs = await wsOnce(server.ws(session), CooperativesDocument, { first: 1 });
    expect(overWs.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", reason: "EMAIL_NOT_VERIFIED" });

    const verified = await server.gql(VerifyEmailDocument, { token });
    expect(verified.errors).toBeUndefined();
    expect(verified.data?.verifyEmail).toMatchObject({ email, role: "MEMBER" });
    expect(verified.data?.verifyEmail.emailVerifiedAt).toBeTruthy();
    // The same session now acts.
    const created = await server.gql(CreateCooperativeDocument, { input: newCoop() }, session);
    expect(created.errors).toBeUndefined();
  });

  test("a token works once", async () => {
    const email = "once@signup.coop";
    await server.gql(SignUpDocument, { input: input(email) });
    const token = tokenOf(await catcher.next(email));
    expect((await server.gql(VerifyEmailDocument, { token })).errors).toBeUndefined();
    const again = await server.gql(VerifyEmailDocument, { token });
    expect(codes(again)).toEqual(["BAD_USER_INPUT"]);
    expect(again.errors?.[0]?.extensions?.field).toBe("token");
  });

  test("an expired token is refused and leaves the account unverified; resendVerification mails a new one that works", async () => {
    const email = "expired@signup.coop";
    await server.gql(SignUpDocument, { input: input(email) });
    const first = await catcher.next(email);
    await server.orm.em
      .getConnection()
      .execute("UPDATE email_verifications SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM users WHERE email = ?)", [email]);
    const expired = await server.gql(VerifyEmailDocument, { token: tokenOf(first) });
    expect(codes(expired)).toEqual(["BAD_USER_INPUT"]);
    const session = await signIn(email);
    expect((await server.gql(ViewerDocument, {}, session)).data?.viewer?.emailVerifiedAt).toBeNull();

    const resent = await server.gql(ResendVerificationDocument, { email });
    expect(resent.data?.resendVerification.accepted).toBe(true);
    const second = await catcher.next(email, (m) => m !== first);
    expect(tokenOf(second)).not.toBe(tokenOf(first));
    expect((await server.gql(VerifyEmailDocument, { token: tokenOf(second) })).errors).toBeUndefined();
    expect(codes(await server.gql(CooperativesDocument, { first: 1 }, session))).toEqual([]);
  });

  test.each(["not-a-token", "", "x".repeat(5000)])("a malformed token %#  is BAD_USER_INPUT on `token`", async (token) => {
    const result = await server.gql(VerifyEmailDocument, { token });
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe("token");
  });
});

describe("the same answer whether or not the address has an account", () => {
  test("a known address gets the new-account answer, no second account, and a mail saying so", async () => {
    const known = await createUser(server, PlatformRole.MEMBER);
    const fresh = await server.gql(SignUpDocument, { input: input("unknown@signup.coop") });
    const before = await countRows(server, "users");
    const taken = await server.gql(SignUpDocument, { input: { ...input(known.email), name: "Imposteur" } });
    expect(taken.status).toBe(fresh.status);
    expect(taken.errors).toBeUndefined();
    expect(taken.data).toEqual(fresh.data);
    expect(await countRows(server, "users")).toBe(before);

    const mail: ParsedMail = await catcher.next(known.email);
    expect(mail.subject).toBe("You already have a Scopgraph account");
    expect(mail.text).toMatch(/already has one/);
    expect(mail.text).not.toMatch(/verify-email/);
    // The owner's password is unchanged: the second sign-up's password does not open it.
    expect(codes(await server.gql(SignInDocument, { input: { email: known.email, password: PASSWORD } }))).toEqual(["UNAUTHENTICATED"]);
  });

  test("resendVerification answers the same for an unknown, a verified and an unverified address", async () => {
    const verified = await createUser(server, PlatformRole.MEMBER);
    await server.gql(SignUpDocument, { input: input("pending@signup.coop") });
    const answers = await Promise.all(
      ["nobody@signup.coop", verified.email, "pending@signup.coop"].map(async (email) => (await server.gql(ResendVerificationDocument, { email })).data),
    );
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });
});

describe("passwords", () => {
  test.each([
    ["ten spaces", "          "],
    ["one letter repeated", "aaaaaaaaaa"],
    ["a digit sequence", "0123456789"],
    ["a common password", "motdepasse123"],
    ["the person's own email", "weak.pass@signup.coop"],
  ])("%s is refused with the estimator's reason", async (_what, password) => {
    const before = await countRows(server, "users");
    const result = await server.gql(SignUpDocument, { input: input("weak.pass@signup.coop", password) });
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    const extensions = result.errors?.[0]?.extensions ?? {};
    expect(extensions.field).toBe("input.password");
    expect(typeof extensions.reason).toBe("string");
    expect(result.errors?.[0]?.message).toMatch(/^input\.password: too easy to guess: .+/);
    expect(await countRows(server, "users")).toBe(before);
  });

  test("a password of uncommon words passes", async () => {
    const result = await server.gql(SignUpDocument, { input: input("strong@signup.coop", "péniche orange sous la bruine") });
    expect(result.errors).toBeUndefined();
  });
});

describe("rate limits (the defaults)", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer();
  });
  afterAll(async () => {
    await limited?.close();
  });

  test("one email: a fourth sign-up within the window is RATE_LIMITED", async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(codes(await limited.gql(SignUpDocument, { input: input("flood@signup.coop") })));
    expect(results).toEqual([[], [], [], ["RATE_LIMITED"]]);
  });

  test("30 concurrent sign-ups from one address: most are RATE_LIMITED and open no account", async () => {
    const before = await countRows(limited, "users");
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => limited.gql(SignUpDocument, { input: input(`crowd-${i}@signup.coop`) })));
    const refused = results.filter((r) => codes(r).includes("RATE_LIMITED")).length;
    const accepted = results.filter((r) => r.data?.signUp.accepted).length;
    expect(refused + accepted).toBe(30);
    expect(refused).toBeGreaterThanOrEqual(20);
    expect(await countRows(limited, "users")).toBe(before + accepted);
  });
});
