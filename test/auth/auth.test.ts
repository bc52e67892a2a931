import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { PlatformRole } from "../../src/auth/roles";
import {
  CreateApiTokenDocument,
  RevokeApiTokenDocument,
  SetUserRoleDocument,
  SignInDocument,
  SignUpDocument,
  ViewerDocument,
  CooperativesDocument,
} from "../generated/graphql";
import { countRows, createUser, sessionToken } from "../helpers/factories";
import { codes, startTestServer, wsOnce, type TestServer } from "../helpers/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const signUpInput = (email: string) => ({ email, name: "Nina Coop", password: "a long enough password", accountType: "MEMBER" as const });

describe("sign-up and sign-in", () => {
  test("signs up (no session: the address is verified first), then signs in with the same password", async () => {
    const up = await server.gql(SignUpDocument, { input: signUpInput("Nina@Example.coop") });
    expect(up.errors).toBeUndefined();
    expect(up.data?.signUp.accepted).toBe(true);
    const rows = await server.orm.em
      .getConnection()
      .execute<{ password_hash: string; role: string; email_verified_at: Date | null }[]>(
        "SELECT password_hash, role, email_verified_at FROM users WHERE email = 'nina@example.coop'",
      );
    expect(rows[0]?.password_hash).toMatch(/^scrypt\$/);
    expect(rows[0]?.password_hash).not.toContain("a long enough password");
    expect(rows[0]).toMatchObject({ role: "MEMBER", email_verified_at: null });

    const inn = await server.gql(SignInDocument, { input: { email: "nina@example.coop", password: "a long enough password" } });
    expect(inn.errors).toBeUndefined();
    const viewer = await server.gql(ViewerDocument, {}, inn.data?.signIn.token);
    expect(viewer.data?.viewer).toMatchObject({ email: "nina@example.coop", emailVerifiedAt: null });
  });

  test("a client account gets the CLIENT role; staff roles cannot be self-granted", async () => {
    const up = await server.gql(SignUpDocument, { input: { ...signUpInput("client@example.coop"), accountType: "CLIENT" } });
    expect(up.errors).toBeUndefined();
    const rows = await server.orm.em.getConnection().execute<{ role: string }[]>("SELECT role FROM users WHERE email = 'client@example.coop'");
    expect(rows[0]?.role).toBe("CLIENT");
    const bad = await server.raw(
      JSON.stringify({ query: 'mutation { signUp(input: {email: "x@y.fr", name: "X", password: "0123456789ab", accountType: ADMIN}) { accepted } }' }),
      { "content-type": "application/json", accept: "application/graphql-response+json" },
    );
    expect(bad.status).toBe(400);
  });

  test("a second sign-up with the same email answers like the first and writes no account", async () => {
    const before = await countRows(server, "users");
    const again = await server.gql(SignUpDocument, { input: signUpInput("nina@example.coop") });
    expect(again.errors).toBeUndefined();
    expect(again.data?.signUp.accepted).toBe(true);
    expect(await countRows(server, "users")).toBe(before);
  });

  test.each([
    ["input.email", { ...signUpInput("not-an-email") }],
    ["input.password", { ...signUpInput("short@example.coop"), password: "short" }],
    ["input.name", { ...signUpInput("noname@example.coop"), name: "   " }],
    ["input.name", { ...signUpInput("nul@example.coop"), name: "bad\u0000name" }],
  ])("bad sign-up input names %s and writes nothing", async (field, input) => {
    const before = await countRows(server, "users");
    const result = await server.gql(SignUpDocument, { input });
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(await countRows(server, "users")).toBe(before);
  });

  test("a wrong password and an unknown account get the same answer", async () => {
    const wrong = await server.gql(SignInDocument, { input: { email: "nina@example.coop", password: "not the password" } });
    const unknown = await server.gql(SignInDocument, { input: { email: "nobody@example.coop", password: "not the password" } });
    expect(codes(wrong)).toEqual(["UNAUTHENTICATED"]);
    expect(unknown.errors?.[0]?.message).toBe(wrong.errors?.[0]?.message);
    expect(unknown.errors?.[0]?.extensions).toEqual(wrong.errors?.[0]?.extensions);
  });
});

describe("tokens over HTTP and WebSocket", () => {
  test("a forged or malformed bearer token is refused with 401 UNAUTHENTICATED", async () => {
    for (const token of ["garbage", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged", "sgp_unknown"]) {
      const result = await server.gql(ViewerDocument, {}, token);
      expect(result.status).toBe(401);
      expect(codes(result)).toEqual(["UNAUTHENTICATED"]);
    }
  });

  test("anonymous viewer is null, and the directory needs a sign-in", async () => {
    expect((await server.gql(ViewerDocument, {})).data?.viewer).toBeNull();
    expect(codes(await server.gql(CooperativesDocument, {}))).toEqual(["UNAUTHENTICATED"]);
  });

  test("the connection_init token identifies the user over WebSocket", async () => {
    const user = await createUser(server, PlatformRole.MEMBER);
    const result = await wsOnce(server.ws(user.token), ViewerDocument, {});
    expect(result.errors).toBeUndefined();
    expect(result.data?.viewer?.email).toBe(user.email);
  });

  test("a bad connection_init token closes the socket with 4403", async () => {
    const client = server.ws("not-a-token");
    const closed = new Promise<number>((resolve) => client.on("closed", (event) => resolve((event as { code: number }).code)));
    const outcome = wsOnce(client, ViewerDocument, {}).catch((error: unknown) => error);
    expect(await closed).toBe(4403);
    await outcome;
  });
});

describe("API tokens and roles", () => {
  test("an admin creates a token, an integrator reads with it, and revocation stops it", async () => {
    const admin = await createUser(server, PlatformRole.ADMIN);
    const created = await server.gql(CreateApiTokenDocument, { input: { name: "BOAMP harvester", scopes: ["READ", "IMPORT_NOTICES"] } }, admin.token);
    expect(created.errors).toBeUndefined();
    const secret = created.data?.createApiToken.secret as string;
    expect(secret).toMatch(/^sgp_/);
    const stored = await server.orm.em.getConnection().execute<{ secret_hash: string }[]>("SELECT secret_hash FROM api_tokens");
    expect(stored.map((r) => r.secret_hash)).not.toContain(secret);

    const read = await server.gql(CooperativesDocument, { first: 1 }, secret);
    expect(read.errors).toBeUndefined();
    const revoked = await server.gql(RevokeApiTokenDocument, { id: created.data?.createApiToken.apiToken.id as string }, admin.token);
    expect(revoked.data?.revokeApiToken.revokedAt).toBeTruthy();
    expect((await server.gql(CooperativesDocument, { first: 1 }, secret)).status).toBe(401);
  });

  test("only an admin creates tokens or grants roles", async () => {
    const officer = await createUser(server, PlatformRole.MISSION_OFFICER);
    const member = await createUser(server, PlatformRole.MEMBER);
    const input = { name: "x", scopes: ["READ" as const] };
    expect(codes(await server.gql(CreateApiTokenDocument, { input }, officer.token))).toEqual(["FORBIDDEN"]);
    expect(codes(await server.gql(CreateApiTokenDocument, { input }, member.token))).toEqual(["FORBIDDEN"]);
    expect(codes(await server.gql(CreateApiTokenDocument, { input }))).toEqual(["UNAUTHENTICATED"]);
    expect(codes(await server.gql(SetUserRoleDocument, { userId: member.globalId, role: "ADMIN" }, officer.token))).toEqual(["FORBIDDEN"]);
  });

  test("a role change by an admin invalidates the user's old tokens", async () => {
    const admin = await createUser(server, PlatformRole.ADMIN);
    const member = await createUser(server, PlatformRole.MEMBER);
    const result = await server.gql(SetUserRoleDocument, { userId: member.globalId, role: "MISSION_OFFICER" }, admin.token);
    expect(result.data?.setUserRole.role).toBe("MISSION_OFFICER");
    expect((await server.gql(ViewerDocument, {}, member.token)).status).toBe(401);
  });

  test("sign-in is rate-limited per account", async () => {
    const email = "target@example.coop";
    let limited = false;
    for (let i = 0; i < 12 && !limited; i++) {
      const result = await server.gql(SignInDocument, { input: { email, password: `guess ${i}` } });
      limited = codes(result).includes("RATE_LIMITED");
    }
    expect(limited).toBe(true);
  });
});

describe("token expiry over WebSocket", () => {
  test("the socket closes with 4401 when its token expires", async () => {
    const user = await createUser(server, PlatformRole.MEMBER);
    const token = await sessionToken(server, user.id, PlatformRole.MEMBER, 2);
    // The close is what this test awaits: graphql-ws's default would also print it on the console.
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    const started = Date.now();
    const closed = new Promise<number>((resolve) => client.on("closed", (event) => resolve((event as { code: number }).code)));
    expect(await closed).toBe(4401);
    // A token of two seconds (whole seconds, so one to two from now), closed by the sweep of the next second.
    expect(Date.now() - started).toBeLessThan(3500);
    await client.dispose();
  }, 10_000);
});
