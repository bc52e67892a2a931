import { notifySection } from "../../notifications/bid-hooks";
import { NotificationKind } from "../../notifications/notification.enums";
import { peopleOfCooperatives } from "../../notifications/recipients";
import { User } from "../../auth/user.entity";
import { LockMode } from "@mikro-orm/core";
import { isStaff, userIdOf } from "../../auth/viewer";
import { CLOSE_UNAUTHORIZED } from "../../auth/live-access";
import { BadInputError, ConflictError, ForbiddenError, InvalidStateError, NotFoundError, UnauthenticatedError } from "../../common/errors";
import { decodeId, toGlobalId } from "../../common/node";
import * as v from "../../common/validate";
import type { Actor } from "../../auth/actor";
import type { Context } from "../../context";
import { encodeBase64, parseUpdate } from "./section-crdt";
import type { SectionDocs } from "./section-docs";
import { Bid, BidSection } from "../bid.entity";
import { BidEventType, SectionStatus } from "../bid.enums";
import type { AddSectionInput, ApplySectionUpdateInput, RemoveSectionInput, UpdateSectionInput } from "../bid.inputs";
import { assertContentEditable } from "../bid.lifecycle";
import { assertCanEditSection, canApproveSection, canEditSection } from "../bid.rights";
import { assertSectionMove } from "./section.workflow";
import type { ApplyOutcome } from "./section-writer";
import { bidRecord, checkClientMutationId, mutateBid, resultRef, type BidTx } from "../bid.tx";

const gid = toGlobalId;

export function sectionState(s: BidSection): Record<string, unknown> {
  return {
    id: gid("BidSection", s.id),
    version: s.version,
    title: s.title,
    position: s.position,
    status: s.status,
    assigneeId: s.assignee ? gid("User", s.assignee.id) : null,
    reviewerId: s.reviewer ? gid("User", s.reviewer.id) : null,
    dueDate: s.dueDate,
  };
}

/** The bid's invited or accepted members that a person belongs to: whose a section assigned to them is. */
async function membersOfPerson(tx: BidTx, userId: string | null): Promise<string[]> {
  if (!userId) return [];
  const rows = await tx.em.execute<{ id: string }[]>("SELECT a.member_id AS id FROM bid_active_memberships a WHERE a.bid_id = ? AND a.user_id = ?", [
    tx.bid.id,
    userId,
  ]);
  return rows.map((r) => r.id);
}

/** A member other than the lead assigns sections to its own people only (a section it could then edit). */
async function assertMayAssign(tx: BidTx, assignee: User | null, field: string): Promise<void> {
  if (tx.access.lead) return;
  if (!canEditSection(tx.access, await membersOfPerson(tx, assignee?.id ?? null))) {
    throw new BadInputError(field, "a member assigns sections to its own people only; the lead assigns them to anyone of the group");
  }
}

function dueDateOf(field: string, value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(`${value}T00:00:00Z`) : null;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) throw new BadInputError(field, "must be a date as YYYY-MM-DD");
  return value;
}

/** The section's text as of now (its document with every committed update). */
async function currentText(tx: BidTx, sectionDocs: SectionDocs, sectionId: string): Promise<string> {
  const docs = await sectionDocs.load(tx.em, [sectionId]);
  return docs.get(sectionId)?.text ?? "";
}

/** A person of one of the group's invited or accepted cooperatives. */
async function assigneeOf(tx: BidTx, globalId: string, field: string): Promise<User> {
  const userId = decodeId("User", globalId, field);
  const rows = await tx.em.execute<{ n: string }[]>("SELECT count(*) AS n FROM bid_active_memberships a WHERE a.bid_id = ? AND a.user_id = ?", [
    tx.bid.id,
    userId,
  ]);
  if (Number(rows[0]?.n ?? 0) === 0) throw new BadInputError(field, "is not a person of the group's cooperatives");
  return tx.em.getReference(User, userId);
}

function sectionTitle(field: string, value: string): string {
  return v.text(field, value, { max: 300 });
}

function status(field: string, value: SectionStatus): SectionStatus {
  if (!Object.values(SectionStatus).includes(value)) throw new BadInputError(field, "is not a section status");
  return value;
}

export async function addSection(actor: Actor, input: AddSectionInput): Promise<BidSection> {
  const bidId = decodeId("Bid", input.bidId, "input.bidId");
  const title = sectionTitle("input.title", input.title);
  const position = input.position == null ? null : v.integer("input.position", input.position, 0, 10_000);
  const dueDate = input.dueDate == null ? null : dueDateOf("input.dueDate", input.dueDate);
  return mutateBid(actor, bidId, { action: "edit", operation: "addSection", input, globalId: input.bidId }, async (tx) => {
    assertContentEditable(tx.bid.status);
    // A member's new section is its own: assigned to the viewer unless it names one of its people.
    const assignee =
      input.assigneeId != null
        ? await assigneeOf(tx, input.assigneeId, "input.assigneeId")
        : !tx.access.lead && tx.actorId
          ? tx.em.getReference(User, tx.actorId)
          : null;
    await assertMayAssign(tx, assignee, "input.assigneeId");
    if (input.reviewerId != null && !tx.access.lead) throw new ForbiddenError("Only the lead names a section's reviewer.");
    const reviewer = input.reviewerId == null ? null : await assigneeOf(tx, input.reviewerId, "input.reviewerId");
    let at = position;
    if (at === null) {
      const rows = await tx.em.execute<{ p: number | null }[]>("SELECT max(position) AS p FROM bid_sections WHERE bid_id = ?", [tx.bid.id]);
      at = (rows[0]?.p ?? -1) + 1;
    }
    const section = tx.em.create(BidSection, { bid: tx.bid, title, position: at, assignee, reviewer, dueDate });
    await tx.em.flush();
    await tx.append(BidEventType.SECTION_ADDED, sectionState(section), { result: resultRef("BidSection", section.id) });
    if (assignee) await notifySection(tx.em, NotificationKind.SECTION_ASSIGNED, section, tx.bid.title, [assignee.id], tx.actorId);
    return section;
  });
}

async function lockSection(tx: BidTx, sectionId: string): Promise<BidSection> {
  const section = await tx.em.findOne(BidSection, { id: sectionId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  if (!section || section.bid.id !== tx.bid.id) throw new NotFoundError("BidSection");
  return section;
}

export async function updateSection(actor: Actor, input: UpdateSectionInput): Promise<BidSection> {
  const { id: sectionId, bidId, notFound } = await bidRecord(actor, "BidSection", input.sectionId, "input.sectionId");
  const title = input.title == null ? null : sectionTitle("input.title", input.title);
  const position = input.position == null ? null : v.integer("input.position", input.position, 0, 10_000);
  const newStatus = input.status == null ? null : status("input.status", input.status);
  if (input.clearAssignee && input.assigneeId != null) throw new BadInputError("input.clearAssignee", "give either assigneeId or clearAssignee");
  if (input.clearReviewer && input.reviewerId != null) throw new BadInputError("input.clearReviewer", "give either reviewerId or clearReviewer");
  if (input.clearDueDate && input.dueDate != null) throw new BadInputError("input.clearDueDate", "give either dueDate or clearDueDate");
  const dueDate = input.dueDate == null ? null : dueDateOf("input.dueDate", input.dueDate);
  v.integer("input.expectedVersion", input.expectedVersion, 0, 2_000_000_000);
  return mutateBid(actor, bidId, { action: "edit", operation: "updateSection", input, notFound }, async (tx) => {
    assertContentEditable(tx.bid.status);
    const section = await lockSection(tx, sectionId);
    checkSectionVersion(input.expectedVersion, section);
    const editor = canEditSection(tx.access, await membersOfPerson(tx, section.assignee?.id ?? null));
    const approver = canApproveSection(tx.access, tx.actorId, section.reviewer?.id ?? null);
    // Anything but the status is the section's editors' (its member, or the lead); the status follows the workflow.
    const otherChanges =
      title !== null || position !== null || input.assigneeId != null || Boolean(input.clearAssignee) || dueDate !== null || Boolean(input.clearDueDate);
    if (otherChanges) assertCanEditSection(tx.access, await membersOfPerson(tx, section.assignee?.id ?? null));
    if ((input.reviewerId != null || input.clearReviewer) && !tx.access.lead) throw new ForbiddenError("Only the lead names a section's reviewer.");
    if (newStatus !== null && newStatus !== section.status) {
      const hasText = newStatus === SectionStatus.DONE ? (await currentText(tx, actor.loaders.sectionDocs, section.id)).trim() !== "" : false;
      assertSectionMove({ from: section.status, to: newStatus, editor, approver, hasText });
    }
    const assignee = input.assigneeId == null ? undefined : await assigneeOf(tx, input.assigneeId, "input.assigneeId");
    if (assignee !== undefined) await assertMayAssign(tx, assignee, "input.assigneeId");
    if (input.clearAssignee && !tx.access.lead) throw new ForbiddenError("Only the lead leaves a section without anyone in charge.");
    const reviewer = input.reviewerId == null ? undefined : await assigneeOf(tx, input.reviewerId, "input.reviewerId");
    const before = section.status;
    if (title !== null) section.title = title;
    if (position !== null) section.position = position;
    if (newStatus !== null) section.status = newStatus;
    if (assignee !== undefined) section.assignee = assignee;
    if (input.clearAssignee) section.assignee = null;
    if (reviewer !== undefined) section.reviewer = reviewer;
    if (input.clearReviewer) section.reviewer = null;
    if (dueDate !== null) section.dueDate = dueDate;
    if (input.clearDueDate) section.dueDate = null;
    const sentForReview = before !== SectionStatus.IN_REVIEW && section.status === SectionStatus.IN_REVIEW;
    section.version += 1;
    await tx.append(BidEventType.SECTION_UPDATED, sectionState(section), { result: resultRef("BidSection", section.id) });
    if (assignee) await notifySection(tx.em, NotificationKind.SECTION_ASSIGNED, section, tx.bid.title, [assignee.id], tx.actorId);
    if (sentForReview) {
      // Its named reviewer, or else the lead's people, who approve sections.
      const reviewers = section.reviewer ? [section.reviewer.id] : await peopleOfCooperatives(tx.em, [tx.bid.lead.id]);
      await notifySection(tx.em, NotificationKind.SECTION_REVIEW_REQUESTED, section, tx.bid.title, reviewers, tx.actorId);
    }
    return section;
  });
}

function checkSectionVersion(expected: number, section: BidSection): void {
  if (expected !== section.version) {
    throw new ConflictError(`The section changed since version ${expected}; it is at version ${section.version}.`, sectionState(section));
  }
}

export async function removeSection(actor: Actor, input: RemoveSectionInput): Promise<Bid> {
  const { id: sectionId, bidId, notFound } = await bidRecord(actor, "BidSection", input.sectionId, "input.sectionId");
  v.integer("input.expectedVersion", input.expectedVersion, 0, 2_000_000_000);
  return mutateBid(actor, bidId, { action: "edit", operation: "removeSection", input, notFound }, async (tx) => {
    assertContentEditable(tx.bid.status);
    const section = await lockSection(tx, sectionId);
    checkSectionVersion(input.expectedVersion, section);
    assertCanEditSection(tx.access, await membersOfPerson(tx, section.assignee?.id ?? null));
    tx.em.remove(section);
    await tx.append(BidEventType.SECTION_REMOVED, { sectionId: gid("BidSection", sectionId) }, { result: resultRef("Bid", tx.bid.id) });
    return tx.bid;
  });
}

export interface SectionUpdateResult {
  seq: number;
  sectionId: string;
  clientMutationId: string | null;
}

/**
 * Text typed in a section: the Yjs update is validated and relayed at once, provisionally, to the
 * section's other editors on every instance (section-hub.ts); then, under the bid's and the section's
 * row locks, appended to the log (its payload carries the update) and notified, in a statement
 * shared with the other updates of the bid that arrived meanwhile (section-writer.ts); every
 * COMPACT_EVERY updates, the section's snapshot is rebuilt in the background (compactor.ts). The
 * answer comes after commit: an acknowledged update is durable. Only the connection of the
 * process's entity manager is used (no per-keystroke fork, no identity map); the committed event
 * reaches this process's subscribers without waiting for its notification (section-writer.ts).
 */
export async function applySectionUpdate(ctx: Pick<Context, "viewer" | "app" | "live">, input: ApplySectionUpdateInput): Promise<SectionUpdateResult> {
  const { viewer, app } = ctx;
  const update = parseUpdate("input.update", input.update);
  const sectionId = decodeId("BidSection", input.sectionId, "input.sectionId");
  const clientMutationId = checkClientMutationId(input.clientMutationId);
  const userId = userIdOf(viewer);
  const socket = ctx.live?.socket ?? null;
  // Provisional relay first, from a decision cached per socket (section-access.ts): the commit
  // below checks everything again, and a refusal drops the cached decision.
  const base64 = encodeBase64(update);
  const decision = userId ? await app.live.sectionAccess.decide(socket, userId, sectionId) : null;
  if (decision?.write) app.live.hub.relay(sectionId, update, socket, base64);
  // The same rules as mutateBid (access, retry, frozen content), in one statement: see migration 20261126073010.
  const rows: ApplyOutcome[] = userId
    ? [
        await app.live.writer.apply({
          // The bid's queue: the statement checks the section is the bid's.
          bidId: decision?.bidId ?? null,
          sectionId,
          userId,
          // Over a socket, the session is checked by the statement itself (websocket.ts skips the lookup).
          session: socket && viewer.kind === "USER" ? { id: viewer.sessionId, tokenVersion: viewer.tokenVersion } : null,
          clientMutationId,
          payload: JSON.stringify({ sectionId: gid("BidSection", sectionId), update: base64 }),
        }),
      ]
    : [{ outcome: "NOT_MEMBER", seq: null, notice: null, bid_status: null }];
  const row = rows[0];
  if (socket && row?.outcome !== "OK" && row?.outcome !== "REPLAY") app.live.sectionAccess.forget(socket, sectionId);
  switch (row?.outcome) {
    case "OK":
      app.live.compactor.applied(sectionId);
      return { seq: row.seq!, sectionId, clientMutationId };
    case "REPLAY":
      return { seq: row.seq!, sectionId, clientMutationId };
    case "UNAUTHENTICATED":
      // Signed out or changed behind the bus's back: the socket goes, as after a refused lookup.
      socket?.close(CLOSE_UNAUTHORIZED, "Access changed: reconnect with a valid token");
      throw new UnauthenticatedError("The token is no longer valid; reconnect with a new one.");
    case "CMID_TAKEN":
      throw new BadInputError("input.clientMutationId", "was already used by someone else on this bid");
    case "NOT_OWNER":
      throw new ForbiddenError("A member edits the sections assigned to its people only; the lead edits them all.");
    case "CMID_CONFLICT":
      throw new ConflictError("This clientMutationId was already used for another update; use a new one.", { field: "input.clientMutationId" });
    case "FROZEN":
      throw new InvalidStateError(`This bid is ${row.bid_status}: its content is frozen.`);
    case "NOT_MEMBER":
      // Staff read bids but do not edit them; anyone else is told the section does not exist.
      if (isStaff(viewer) && row.bid_status !== null) throw new ForbiddenError("Only the cooperatives of the bid may edit it.");
      throw new NotFoundError("BidSection", input.sectionId);
    default:
      throw new NotFoundError("BidSection", input.sectionId);
  }
}
