import { decodeJwt } from "jose";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { resolveViewer, resolveViewerAgain } from "../../src/auth/auth.service";
import { PlatformRole } from "../../src/auth/roles";
import type { Viewer } from "../../src/auth/viewer";
import { RefreshSessionDocument, SignInDocument, SignOutDocument, ViewerDocument } from "../generated/graphql";
import { createUser, FACTORY_PASSWORD, sessionToken, type TestUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function signIn(user: TestUser): Promise<string> {
  const result = await server.gql(SignInDocument, { input: { email: user.email, password: FACTORY_PASSWORD } });
  expect(result.errors).toBeUndefined();
  return result.data!.signIn.token;
}

/** What the server says of a token: the viewer's email, or the HTTP status and code of its refusal. */
async function whoIs(token: string): Promise<string> {
  const result = await server.gql(ViewerDocument, {}, token);
  if (result.errors?.length) return `${result.status} ${codes(result).join(",")}`;
  return result.data?.viewer?.email ?? "nobody";
}

/** The close code of a socket opened with this token (4403 when the token is refused at connection_init). */
function socketVerdict(token: string): Promise<number | "open"> {
  return new Promise((resolve) => {
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    client.on("connected", () => {
      resolve("open");
      void client.dispose();
    });
    client.on("closed", (event) => resolve((event as { code: number }).code));
  });
}

describe("sign-out", () => {
  test("signing out ends this session only: its token is refused at once (401), another session keeps working", async () => {
    const user = await createUser(server);
    const laptop = await signIn(user);
    const phone = await signIn(user);
    expect(await whoIs(laptop)).toBe(user.email);

    const out = await server.gql(SignOutDocument, {}, laptop);
    expect(out.errors).toBeUndefined();
    expect(out.data?.signOut).toBe(true);

    expect(await whoIs(laptop)).toBe("401 UNAUTHENTICATED");
    expect(await socketVerdict(laptop)).toBe(4403);
    expect(await whoIs(phone)).toBe(user.email);
    expect(await socketVerdict(phone)).toBe("open");
    const [row] = await server.orm.em
      .getConnection()
      .execute<{ revoked: number }[]>("SELECT count(*)::int AS revoked FROM sessions WHERE user_id = ? AND revoked_at IS NOT NULL", [user.id]);
    expect(row?.revoked).toBe(1);
  });

  test("signing out everywhere ends every session of the person, and a new sign-in works", async () => {
    const user = await createUser(server);
    const other = await createUser(server);
    const first = await signIn(user);
    const second = await signIn(user);
    const othersToken = await signIn(other);

    const out = await server.gql(SignOutDocument, { everywhere: true }, second);
    expect(out.data?.signOut).toBe(true);

    expect(await whoIs(first)).toBe("401 UNAUTHENTICATED");
    expect(await whoIs(second)).toBe("401 UNAUTHENTICATED");
    expect(await whoIs(user.token)).toBe("401 UNAUTHENTICATED");
    expect(await socketVerdict(first)).toBe(4403);
    expect(await whoIs(othersToken)).toBe(other.email);
    expect(await whoIs(await signIn(user))).toBe(user.email);
  });

  test("a signed-out token can neither refresh nor sign out again", async () => {
    const user = await createUser(server);
    const token = await signIn(user);
    await server.gql(SignOutDocument, {}, token);
    const refresh = await server.gql(RefreshSessionDocument, {}, token);
    expect([refresh.status, codes(refresh)]).toEqual([401, ["UNAUTHENTICATED"]]);
    const again = await server.gql(SignOutDocument, {}, token);
    expect([again.status, codes(again)]).toEqual([401, ["UNAUTHENTICATED"]]);
  });

  test("a token whose session row is missing is refused", async () => {
    const user = await createUser(server);
    const token = await signIn(user);
    await server.orm.em.getConnection().execute("DELETE FROM sessions WHERE user_id = ?", [user.id]);
    expect(await whoIs(token)).toBe("401 UNAUTHENTICATED");
  });
});

describe("refresh", () => {
  test("a refreshed token works, for the same session, and its expiry moves forward", async () => {
    const user = await createUser(server, PlatformRole.MISSION_OFFICER);
    // A token about to expire: a minute left.
    const old = await sessionToken(server, user.id, PlatformRole.MISSION_OFFICER, 60);
    const oldClaims = decodeJwt(old);

    const refreshed = await server.gql(RefreshSessionDocument, {}, old);
    expect(refreshed.errors).toBeUndefined();
    const { token, expiresAt, user: who } = refreshed.data!.refreshSession;
    expect(who.email).toBe(user.email);
    const claims = decodeJwt(token);
    expect(claims.sid).toBe(oldClaims.sid);
    // The configured lifetime (12 h) from now, instead of a minute.
    expect(claims.exp! - oldClaims.exp!).toBeGreaterThan(11 * 3600);
    expect(new Date(expiresAt).getTime()).toBe(claims.exp! * 1000);
    expect(await whoIs(token)).toBe(user.email);
    const [row] = await server.orm.em
      .getConnection()
      .execute<{ expires_at: string; refreshed_at: string | null }[]>("SELECT expires_at, refreshed_at FROM sessions WHERE id = ?", [claims.sid]);
    expect(new Date(row!.expires_at).getTime()).toBe(claims.exp! * 1000);
    expect(row?.refreshed_at).not.toBeNull();

    // The previous token keeps working until its own expiry; signing out ends both.
    expect(await whoIs(old)).toBe(user.email);
    await server.gql(SignOutDocument, {}, token);
    expect(await whoIs(old)).toBe("401 UNAUTHENTICATED");
    expect(await whoIs(token)).toBe("401 UNAUTHENTICATED");
  });

  test("a refresh never carries a session past its maximum age (30 days from sign-in)", async () => {
    const user = await createUser(server);
    const token = await sessionToken(server, user.id, PlatformRole.MEMBER, 600);
    const sid = decodeJwt(token).sid as string;
    // Signed in 30 days minus one hour ago: the refreshed token ends with the session, in an hour.
    await server.orm.em.getConnection().execute("UPDATE sessions SET created_at = now() - interval '30 days' + interval '1 hour' WHERE id = ?", [sid]);
    const refreshed = await server.gql(RefreshSessionDocument, {}, token);
    expect(refreshed.errors).toBeUndefined();
    const left = decodeJwt(refreshed.data!.refreshSession.token).exp! - Math.floor(Date.now() / 1000);
    expect(left).toBeLessThanOrEqual(3600);
    // Past the maximum age: sign in again.
    await server.orm.em.getConnection().execute("UPDATE sessions SET created_at = now() - interval '31 days' WHERE id = ?", [sid]);
    const late = await server.gql(RefreshSessionDocument, {}, token);
    expect(codes(late)).toEqual(["UNAUTHENTICATED"]);
  });

  test("an API token has no session to refresh or end", async () => {
    const admin = await createUser(server, PlatformRole.ADMIN);
    const created = await server.raw(
      JSON.stringify({ query: `mutation { createApiToken(input: { name: "x", scopes: [READ, IMPORT_NOTICES] }) { secret } }` }),
      { "content-type": "application/json", authorization: `Bearer ${admin.token}` },
    );
    const secret = (created.body as { data: { createApiToken: { secret: string } } }).data.createApiToken.secret;
    expect(codes(await server.gql(RefreshSessionDocument, {}, secret))).toEqual(["FORBIDDEN"]);
    expect(codes(await server.gql(SignOutDocument, {}, secret))).toEqual(["FORBIDDEN"]);
  });
});

describe("a socket's viewer asked again (no token kept on a person's socket)", () => {
  test("from the session its token was verified with: valid, demoted, signed out, expired", async () => {
    const user = await createUser(server, PlatformRole.MEMBER);
    const token = await signIn(user);
    const em = () => server.orm.em.fork();
    const viewer = await resolveViewer(em(), server.app.auth, token);
    expect(viewer).toMatchObject({ kind: "USER", userId: user.id, role: PlatformRole.MEMBER });
    // The token itself is not needed: the verified claims and the database answer.
    expect(await resolveViewerAgain(em(), server.app.auth, viewer!, null)).toEqual(viewer);
    await em().execute("UPDATE users SET role = ? WHERE id = ?", [PlatformRole.MISSION_OFFICER, user.id]);
    expect(await resolveViewerAgain(em(), server.app.auth, viewer!, null)).toMatchObject({ kind: "USER", role: PlatformRole.MISSION_OFFICER });
    // Past its expiry, nobody (jose's rule: exp <= now).
    const expired = { ...viewer!, expiresAt: Math.floor(Date.now() / 1000) } as Viewer;
    expect(await resolveViewerAgain(em(), server.app.auth, expired, null)).toBeNull();
    expect((await server.gql(SignOutDocument, {}, token)).errors).toBeUndefined();
    expect(await resolveViewerAgain(em(), server.app.auth, viewer!, null)).toBeNull();
  });
});
