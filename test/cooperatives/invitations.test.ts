import { randomUUID } from "node:crypto";
import { PlatformRole } from "../../src/auth/roles";
import { toGlobalId } from "../../src/common/node";
import {
  AddCooperativeMemberDocument,
  AnswerCooperativeInvitationDocument,
  CooperativeMembersAndInvitationsDocument,
  InviteCooperativeMemberDocument,
  MyCooperativeInvitationsDocument,
  RevokeCooperativeInvitationDocument,
  SetCooperativeMemberRoleDocument,
} from "../generated/graphql";
import { countRows, createUser, insertCooperative, type TestUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
let owner: TestUser;
let member: TestUser;
let coop: { gid: string; id: string };

beforeAll(async () => {
  server = await startTestServer();
  owner = await createUser(server);
  member = await createUser(server);
  coop = await insertCooperative(server.orm.em.fork(), { owner, members: [member], name: "Coop invitante" });
});
afterAll(async () => {
  await server.close();
});

const invite = (email: string, role: "MEMBER" | "OWNER" = "MEMBER", token = owner.token) =>
  server.gql(InviteCooperativeMemberDocument, { input: { cooperativeId: coop.gid, email, role } }, token);

async function membersOf(): Promise<string[]> {
  const result = await server.gql(CooperativeMembersAndInvitationsDocument, { id: coop.gid }, owner.token);
  return (result.data?.cooperative?.members ?? []).map((m) => `${m.user.id}:${m.role}`).sort();
}

async function inviteOk(email: string, role: "MEMBER" | "OWNER" = "MEMBER"): Promise<string> {
  const result = await invite(email, role);
  expect(result.errors).toBeUndefined();
  return result.data!.inviteCooperativeMember.id;
}

describe("an invitation answers the same whatever the address", () => {
  test("unknown address, client account, member account, member already, staff: one answer, and nobody is added", async () => {
    const client = await createUser(server, PlatformRole.CLIENT);
    const outsider = await createUser(server);
    const officer = await createUser(server, PlatformRole.MISSION_OFFICER);
    const before = await membersOf();
    const memberships = await countRows(server, "memberships");
    const addresses = [`nobody-${randomUUID()}@example.coop`, client.email, outsider.email, member.email, officer.email];
    const answers = [];
    for (const email of addresses) {
      const result = await invite(email);
      expect([email, result.status, result.errors]).toEqual([email, 200, undefined]);
      const { id, email: invited, expiresAt, ...rest } = result.data!.inviteCooperativeMember;
      expect(invited).toBe(email.toLowerCase());
      expect(id).toBeTruthy();
      expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());
      answers.push(rest);
    }
    expect(answers).toEqual(
      addresses.map(() => ({ role: "MEMBER", status: "PENDING", answeredAt: null, invitedByName: "Test MEMBER", cooperative: { id: coop.gid } })),
    );
    expect(await membersOf()).toEqual(before);
    expect(await countRows(server, "memberships")).toBe(memberships);
  });

  test("the deprecated addCooperativeMember only invites: it returns null and adds nobody", async () => {
    const person = await createUser(server);
    const memberships = await countRows(server, "memberships");
    const result = await server.gql(AddCooperativeMemberDocument, { input: { cooperativeId: coop.gid, email: person.email, role: "OWNER" } }, owner.token);
    expect(result.errors).toBeUndefined();
    expect(result.data?.addCooperativeMember).toBeNull();
    expect(await countRows(server, "memberships")).toBe(memberships);
    const mine = await server.gql(MyCooperativeInvitationsDocument, {}, person.token);
    expect(mine.data?.myCooperativeInvitations.map((i) => [i.cooperative.id, i.role, i.status])).toEqual([[coop.gid, "OWNER", "PENDING"]]);
  });

  test("inviting an address again while pending renews the one invitation", async () => {
    const email = `again-${randomUUID()}@example.coop`;
    const first = await inviteOk(email);
    const second = await inviteOk(email, "OWNER");
    expect(second).toBe(first);
    const list = await server.gql(CooperativeMembersAndInvitationsDocument, { id: coop.gid }, owner.token);
    expect(list.data?.cooperative!.invitations?.filter((i) => i.email === email)).toEqual([{ id: first, email, role: "OWNER", status: "PENDING" }]);
  });

  test("a malformed address is BAD_USER_INPUT on input.email, and writes nothing", async () => {
    const before = await countRows(server, "cooperative_invitations");
    const result = await invite("not-an-address");
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe("input.email");
    expect(await countRows(server, "cooperative_invitations")).toBe(before);
  });

  test("only the cooperative's owners, officers and admins invite and see its invitations", async () => {
    const outsider = await createUser(server);
    expect(codes(await invite(outsider.email, "OWNER", member.token))).toEqual(["FORBIDDEN"]);
    expect(codes(await invite(outsider.email, "OWNER", outsider.token))).toEqual(["FORBIDDEN"]);
    const asMember = await server.gql(CooperativeMembersAndInvitationsDocument, { id: coop.gid }, member.token);
    expect(asMember.data?.cooperative!.invitations).toBeNull();
    const officer = await createUser(server, PlatformRole.MISSION_OFFICER);
    const asOfficer = await server.gql(CooperativeMembersAndInvitationsDocument, { id: coop.gid }, officer.token);
    expect(asOfficer.data?.cooperative!.invitations?.length).toBeGreaterThan(0);
  });
});

describe("the invitee answers", () => {
  test("accepting makes the person a member with the invited role; only then", async () => {
    const person = await createUser(server);
    const id = await inviteOk(person.email, "OWNER");
    expect(await membersOf()).not.toContain(`${person.globalId}:OWNER`);

    const mine = await server.gql(MyCooperativeInvitationsDocument, {}, person.token);
    expect(mine.data?.myCooperativeInvitations).toEqual([
      { id, email: person.email, role: "OWNER", status: "PENDING", invitedByName: "Test MEMBER", cooperative: { id: coop.gid, name: "Coop invitante" } },
    ]);
    const accepted = await server.gql(AnswerCooperativeInvitationDocument, { input: { invitationId: id, accept: true } }, person.token);
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data?.answerCooperativeInvitation.status).toBe("ACCEPTED");
    expect(await membersOf()).toContain(`${person.globalId}:OWNER`);
    expect((await server.gql(MyCooperativeInvitationsDocument, {}, person.token)).data?.myCooperativeInvitations).toEqual([]);

    const again = await server.gql(AnswerCooperativeInvitationDocument, { input: { invitationId: id, accept: false } }, person.token);
    expect(codes(again)).toEqual(["INVALID_STATE"]);
    expect(await membersOf()).toContain(`${person.globalId}:OWNER`);
  });

  test("declining adds nobody", async () => {
    const person = await createUser(server);
    const id = await inviteOk(person.email);
    const before = await membersOf();
    const declined = await server.gql(AnswerCooperativeInvitationDocument, { input: { invitationId: id, accept: false } }, person.token);
    expect(declined.data?.answerCooperativeInvitation.status).toBe("DECLINED");
    expect(await membersOf()).toEqual(before);
  });

  test("a client account cannot accept (a clear FORBIDDEN to the invitee), but may decline", async () => {
    const client = await createUser(server, PlatformRole.CLIENT);
    const id = await inviteOk(client.email);
    const before = await membersOf();
    const accepted = await server.gql(AnswerCooperativeInvitationDocument, { input: { invitationId: id, accept: true } }, client.token);
    expect(codes(accepted)).toEqual(["FORBIDDEN"]);
    expect(accepted.errors?.[0]?.message).toMatch(/client account cannot join/);
    expect(await membersOf()).toEqual(before);
    const declined = await server.gql(AnswerCooperativeInvitationDocument, { input: { invitationId: id, accept: false } }, client.token);
    expect(declined.data?.answerCooperativeInvitation.status).toBe("DECLINED");
  });

  test("someone else's invitation answers exactly like a missing one, and stays pending", async () => {
    const person = await createUser(server);
    const intruder = await createUser(server);
    const id = await inviteOk(person.email);
    const missing = toGlobalId("CooperativeInvitation", randomUUID());
    const theirs = await server.gql(AnswerCooperativeInvitationDocument, { input: { invitationId: id, accept: true } }, intruder.token);
    const absent = await server.gql(AnswerCooperativeInvitationDocument, { input: { invitationId: missing, accept: true } }, intruder.token);
    expect(codes(theirs)).toEqual(["NOT_FOUND"]);
    expect(theirs.errors?.[0]?.message.replace(id, "<id>")).toBe(absent.errors?.[0]?.message.replace(missing, "<id>"));
    expect(await membersOf()).not.toContain(`${intruder.globalId}:MEMBER`);
    const mine = await server.gql(MyCooperativeInvitationsDocument, {}, person.token);
    expect(mine.data?.myCooperativeInvitations.map((i) => i.status)).toEqual(["PENDING"]);
  });

  test("an expired invitation can no longer be accepted", async () => {
    const person = await createUser(server);
    const id = await inviteOk(person.email);
    await server.orm.em.getConnection().execute("UPDATE cooperative_invitations SET expires_at = now() - interval '1 minute' WHERE email = ?", [person.email]);
    expect((await server.gql(MyCooperativeInvitationsDocument, {}, person.token)).data?.myCooperativeInvitations).toEqual([]);
    const late = await server.gql(AnswerCooperativeInvitationDocument, { input: { invitationId: id, accept: true } }, person.token);
    expect(codes(late)).toEqual(["INVALID_STATE"]);
  });
});

describe("revoking", () => {
  test("an owner revokes a pending invitation: the invitee no longer sees it nor can accept it", async () => {
    const person = await createUser(server);
    const id = await inviteOk(person.email);
    expect(codes(await server.gql(RevokeCooperativeInvitationDocument, { invitationId: id }, member.token))).toEqual(["NOT_FOUND"]);
    expect(codes(await server.gql(RevokeCooperativeInvitationDocument, { invitationId: id }, person.token))).toEqual(["NOT_FOUND"]);
    const revoked = await server.gql(RevokeCooperativeInvitationDocument, { invitationId: id }, owner.token);
    expect(revoked.data?.revokeCooperativeInvitation.status).toBe("REVOKED");
    expect((await server.gql(MyCooperativeInvitationsDocument, {}, person.token)).data?.myCooperativeInvitations).toEqual([]);
    const accepted = await server.gql(AnswerCooperativeInvitationDocument, { input: { invitationId: id, accept: true } }, person.token);
    expect(codes(accepted)).toEqual(["INVALID_STATE"]);
    expect(await membersOf()).not.toContain(`${person.globalId}:MEMBER`);
    expect(codes(await server.gql(RevokeCooperativeInvitationDocument, { invitationId: id }, owner.token))).toEqual(["INVALID_STATE"]);
  });
});

describe("role changes", () => {
  test("an owner changes a member's role; the last owner stays; outsiders and plain members may not", async () => {
    const local = await insertCooperative(server.orm.em.fork(), { owner, members: [member] });
    const set = (userId: string, role: "OWNER" | "MEMBER", token = owner.token) =>
      server.gql(SetCooperativeMemberRoleDocument, { input: { cooperativeId: local.gid, userId, role } }, token);

    expect(codes(await set(owner.globalId, "MEMBER"))).toEqual(["INVALID_STATE"]);
    expect(codes(await set(member.globalId, "OWNER", member.token))).toEqual(["FORBIDDEN"]);
    expect(codes(await set((await createUser(server)).globalId, "OWNER"))).toEqual(["NOT_FOUND"]);
    const promoted = await set(member.globalId, "OWNER");
    expect(promoted.data?.setCooperativeMemberRole).toMatchObject({ role: "OWNER", user: { id: member.globalId } });
    // Two owners now: the first may step down.
    expect((await set(owner.globalId, "MEMBER")).data?.setCooperativeMemberRole.role).toBe("MEMBER");
  });
});
