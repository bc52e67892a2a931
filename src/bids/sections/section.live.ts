import { isStaff, userIdOf } from "../../auth/viewer";
import { BadInputError, NotFoundError, UnauthenticatedError } from "../../common/errors";
import { decodeId } from "../../common/node";
import { endOnAccessLoss, type Context } from "../../context";
import type { SharedSubscription } from "../../realtime/shared-execution";
import { accessToBid, readableBidOf } from "../bid.access";
import { canOnBid } from "../bid.policy";
import { decodeBase64, encodeBase64, parseStateVector } from "./section-crdt";
import { awarenessClients, frameAwareness, frameSyncStep2, SectionMessageKind, type SectionMessage } from "./section-protocol";
import { SectionStream } from "./section-stream";
import type { SectionAwarenessInput } from "./section.types";

/**
 * `sectionUpdates` shares its per-message results across subscribers (realtime/shared-execution.ts):
 * every field of a SectionMessage is the message's own.
 */
export const SECTION_UPDATES_SHARED: SharedSubscription = {
  field: "sectionUpdates",
  pureFields: new Set(["kind", "message", "seq", "stateVector", "clientMutationId"]),
  properties: true,
};

/**
 * Mutations whose statement checks the socket's session itself (bid_apply_text_updates):
 * over a WebSocket they skip the per-operation lookup of the token (websocket.ts).
 */
export const SESSION_CHECKED_MUTATIONS: ReadonlySet<string> = new Set(["applySectionUpdate"]);

/**
 * The mutations an editor sends on every keystroke or cursor move: over a WebSocket they run
 * compiled (common/compiled-execution.ts, compiledMutations).
 */
export const LIVE_MUTATIONS: ReadonlySet<string> = new Set(["applySectionUpdate", "sendSectionAwareness"]);

/** Largest awareness update a client may send (decoded bytes). */
const MAX_AWARENESS_BYTES = 16 * 1024;

/**
 * `sectionUpdates`: one section's live text for a reader of its bid. Joins the section's room
 * first (nothing committed after is missed), then answers the sync step 2 from the section's
 * document as committed, with the server's state vector, and the awareness states now; then
 * relayed, durable and awareness messages as they come. Ends when the viewer loses access.
 */
export async function subscribeSectionUpdates(
  ctx: Context,
  args: { sectionId: string; stateVector?: string | null },
): Promise<AsyncIterableIterator<SectionMessage>> {
  if (ctx.viewer.kind === "ANONYMOUS") throw new UnauthenticatedError();
  const sectionId = decodeId("BidSection", args.sectionId, "sectionId");
  const vector = args.stateVector == null ? null : parseStateVector("stateVector", args.stateVector);
  const bidId = await readableBidOf(ctx.em, ctx.viewer, "BidSection", sectionId);
  if (!bidId) throw new NotFoundError("BidSection", args.sectionId);
  const { orm, live } = ctx.app;
  const viewer = ctx.viewer;
  const mayRead = async () => canOnBid(await accessToBid(orm.em.fork(), viewer, bidId), "read");
  const started = Date.now();
  // The process's logger with the request id, not a child logger: an idle editor holds its stream for hours.
  const { log } = ctx.app;
  const requestId = ctx.requestId;
  const stream = new SectionStream(
    ctx.live?.socket ?? null,
    mayRead,
    () => log.info({ requestId, sectionId, ms: Date.now() - started }, "subscription stop: sectionUpdates"),
    ctx.live?.sink ?? null,
  );
  stream.joined(await live.hub.join(sectionId, bidId, stream));
  const view = (await live.docs.load(orm.em.fork(), [sectionId])).get(sectionId);
  if (!view) {
    await stream.return();
    throw new NotFoundError("BidSection", args.sectionId);
  }
  const first: SectionMessage[] = [
    {
      kind: SectionMessageKind.SYNC,
      message: frameSyncStep2(vector ? view.diff(vector) : view.state),
      seq: view.seq,
      stateVector: encodeBase64(view.stateVector),
      clientMutationId: null,
    },
  ];
  const awareness = live.hub.awarenessNow(sectionId);
  if (awareness) first.push({ kind: SectionMessageKind.AWARENESS, message: frameAwareness(awareness), seq: null, stateVector: null, clientMutationId: null });
  stream.start(first);
  log.info({ requestId, sectionId, viewer: userIdOf(viewer) }, "subscription start: sectionUpdates");
  // The entity manager of the setup goes: the stream reads nothing through it.
  ctx.renew();
  return endOnAccessLoss(ctx, stream, mayRead);
}

/**
 * `sendSectionAwareness`: the viewer's cursor and name in a section, relayed to its other
 * subscribers on every instance; never stored. A state not renewed within 30 s expires, and the
 * states a socket announced go when its last subscription of the section ends.
 */
export async function sendSectionAwareness(ctx: Context, input: SectionAwarenessInput): Promise<boolean> {
  const userId = userIdOf(ctx.viewer);
  if (!userId) throw new UnauthenticatedError();
  const sectionId = decodeId("BidSection", input.sectionId, "input.sectionId");
  const update = decodeBase64("input.update", input.update, MAX_AWARENESS_BYTES);
  try {
    awarenessClients(update);
  } catch {
    throw new BadInputError("input.update", "is not a y-protocols awareness update");
  }
  const socket = ctx.live?.socket ?? null;
  const decision = await ctx.app.live.sectionAccess.decide(socket, userId, sectionId);
  // Staff read every bid (and may show where they read); anyone else is a member or sees nothing.
  if (!decision || !(decision.read || isStaff(ctx.viewer))) throw new NotFoundError("BidSection", input.sectionId);
  ctx.app.live.hub.awareness(sectionId, update, socket);
  return true;
}
