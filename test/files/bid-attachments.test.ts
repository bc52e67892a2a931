import type { Client as WsClient } from "graphql-ws";
import { print } from "graphql";
import { Bid } from "../../src/bids/bid.entity";
import { BidStatus } from "../../src/bids/bid.enums";
import { decodeId, toGlobalId } from "../../src/common/node";
import {
  AnswerBidInvitationDocument,
  BidAttachmentsDocument,
  BidEventsDocument,
  DeleteAttachmentDocument,
  FileNodeDocument,
  InviteBidMemberDocument,
} from "../generated/graphql";
import { countRows } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";
import { createBid, createWorld, type BidWorld } from "../bids/bid-setup";
import { download, errorCode, pdf, png, sha256, upload } from "./samples";

let server: TestServer;
let w: BidWorld;
let bid: string;

beforeAll(async () => {
  server = await startTestServer();
  w = await createWorld(server);
  bid = (await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" })).id;
  const invited = await server.gql(InviteBidMemberDocument, { input: { bidId: bid, cooperativeId: w.coopB.gid } }, w.lead.token);
  await server.gql(AnswerBidInvitationDocument, { input: { memberId: invited.data!.inviteBidMember.id, accept: true } }, w.partner.token);
  // The rival bids on the same tender.
  await createBid(server, w.rival.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopR.gid, groupType: "CONJOINT" });
});
afterAll(async () => {
  await server.close();
});

const attachments = async (token: string, includeDeleted = false) => {
  const result = await server.gql(BidAttachmentsDocument, { id: bid, includeDeleted }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.bid!.attachments;
};

interface Event {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
}

/** Subscribes to the bid's log after `afterSeq` and resolves with the first event of `type`. */
function nextEvent(client: WsClient, afterSeq: number, type: string): { event: Promise<Event>; stop: () => void } {
  let stop = () => undefined as void;
  const event = new Promise<Event>((resolve, reject) => {
    stop = client.subscribe<{ bidEvents: Event }>(
      { query: print(BidEventsDocument), variables: { bidId: bid, afterSeq } },
      {
        next: (value) => {
          if (value.data?.bidEvents.type === type) resolve(value.data.bidEvents);
        },
        error: reject,
        complete: () => reject(new Error("completed")),
      },
    );
  });
  return { event, stop };
}

const head = async () => (await server.gql(BidAttachmentsDocument, { id: bid }, w.lead.token)).data!.bid!.headSeq;

describe("attachments of a bid", () => {
  test("the lead uploads a certificate; the partner, co-editing, receives it live, lists and downloads it; the staff read it", async () => {
    const live = nextEvent(server.ws(w.partner.token), await head(), "ATTACHMENT_ADDED");
    const bytes = pdf(2000);
    const up = await upload(server, `/files/bids/${bid}`, w.lead.token, bytes, { fileName: "Attestation URSSAF.pdf", category: "CERTIFICATE" });
    expect([up.status, up.json.file?.category, up.json.file?.version]).toEqual([201, "CERTIFICATE", 1]);
    const event = await live.event;
    live.stop();
    expect(event.payload).toMatchObject({
      attachmentId: up.json.file?.id,
      fileName: "Attestation URSSAF.pdf",
      category: "CERTIFICATE",
      sha256: sha256(bytes),
      version: 1,
    });

    const [listed] = await attachments(w.partner.token);
    expect(listed).toMatchObject({
      id: up.json.file?.id,
      category: "CERTIFICATE",
      contentType: "application/pdf",
      size: bytes.length,
      uploadedById: w.lead.globalId,
    });
    for (const token of [w.partner.token, w.officer.token, w.admin.token]) {
      const down = await download(server, listed!.downloadUrl!, token);
      expect([down.status, down.body.equals(bytes)]).toEqual([200, true]);
    }
    // The partner attaches too (raw body, category in the query); default category OTHER.
    const own = await upload(server, `/files/bids/${bid}`, w.partner.token, png(), { as: "raw", fileName: "logo.png", contentType: "image/png" });
    expect([own.status, own.json.file?.category]).toEqual([201, "OTHER"]);
  });

  test("another cooperative, even bidding on the same tender, is told the bid and its files do not exist; the staff may not upload", async () => {
    const [listed] = await attachments(w.lead.token);
    const before = [await countRows(server, "bid_attachments"), await countRows(server, "file_blobs"), await countRows(server, "bid_events")];
    const missingBid = toGlobalId("Bid", "00000000-0000-4000-8000-000000000000");
    for (const [token, target] of [
      [w.rival.token, bid],
      [w.outsider.token, bid],
      [w.rival.token, missingBid],
      [null, bid],
    ] as const) {
      const refused = await upload(server, `/files/bids/${target}`, token, pdf(), { fileName: "x.pdf" });
      expect([refused.status, errorCode(refused)]).toEqual([404, "NOT_FOUND"]);
    }
    const hidden = await download(server, listed!.downloadUrl!, w.rival.token);
    const absent = await download(server, `/files/${toGlobalId("BidAttachment", "00000000-0000-4000-8000-000000000000")}`, w.rival.token);
    expect([hidden.status, absent.status]).toEqual([404, 404]);
    expect(hidden.json.errors?.[0]?.extensions).toEqual(absent.json.errors?.[0]?.extensions);
    expect((await server.gql(FileNodeDocument, { id: listed!.id }, w.rival.token)).data?.node).toBeNull();
    expect(codes(await server.gql(DeleteAttachmentDocument, { id: listed!.id }, w.rival.token))).toEqual(["NOT_FOUND"]);
    const staff = await upload(server, `/files/bids/${bid}`, w.officer.token, pdf(), { fileName: "x.pdf" });
    expect([staff.status, errorCode(staff)]).toEqual([403, "FORBIDDEN"]);
    const badCategory = await upload(server, `/files/bids/${bid}`, w.lead.token, pdf(), { fileName: "x.pdf", category: "SECRET" });
    expect([badCategory.status, errorCode(badCategory), badCategory.json.errors?.[0]?.extensions.field]).toEqual([400, "BAD_USER_INPUT", "category"]);
    expect([await countRows(server, "bid_attachments"), await countRows(server, "file_blobs"), await countRows(server, "bid_events")]).toEqual(before);
  });

  test("versioned delete: the partner's people delete only what they uploaded, the lead's anything; co-editors see ATTACHMENT_DELETED; re-upload makes a new version", async () => {
    const mine = await upload(server, `/files/bids/${bid}`, w.partner.token, pdf(), { fileName: "Référence Ville.pdf", category: "REFERENCE" });
    const leads = (await attachments(w.partner.token)).find((a) => a.fileName === "Attestation URSSAF.pdf")!;
    expect(codes(await server.gql(DeleteAttachmentDocument, { id: leads.id }, w.partner.token))).toEqual(["FORBIDDEN"]);
    expect(codes(await server.gql(DeleteAttachmentDocument, { id: leads.id }, w.officer.token))).toEqual(["FORBIDDEN"]);

    const live = nextEvent(server.ws(w.lead.token), await head(), "ATTACHMENT_DELETED");
    const deleted = await server.gql(DeleteAttachmentDocument, { id: String(mine.json.file?.id) }, w.partner.token);
    expect(deleted.data?.deleteAttachment).toMatchObject({ deletedById: w.partner.globalId, version: 1 });
    expect((await live.event).payload.attachmentId).toBe(mine.json.file?.id);
    live.stop();
    expect((await attachments(w.lead.token)).map((a) => a.fileName)).not.toContain("Référence Ville.pdf");
    expect((await attachments(w.lead.token, true)).find((a) => a.fileName === "Référence Ville.pdf")?.deletedAt).not.toBeNull();

    const again = await upload(server, `/files/bids/${bid}`, w.partner.token, pdf(), { fileName: "référence ville.pdf", category: "REFERENCE" });
    expect([again.json.file?.version, again.json.file?.previousVersionId]).toEqual([2, mine.json.file?.id]);
    expect((await server.gql(DeleteAttachmentDocument, { id: leads.id }, w.lead.token)).errors).toBeUndefined();
  });

  test("once the bid is submitted, its attachments are frozen: upload and delete answer INVALID_STATE, reading goes on", async () => {
    const kept = await upload(server, `/files/bids/${bid}`, w.lead.token, pdf(), { fileName: "DC1 signé.pdf", category: "SIGNED_FORM" });
    expect(kept.status).toBe(201);
    // Submission itself is tested in test/bids: here the bid is set as it leaves it.
    await server.orm.em.fork().nativeUpdate(Bid, { id: decodeId("Bid", bid, "bid") }, { status: BidStatus.SUBMITTED, submittedAt: new Date() });
    const before = [await countRows(server, "bid_attachments"), await countRows(server, "file_blobs")];
    const late = await upload(server, `/files/bids/${bid}`, w.lead.token, pdf(), { fileName: "tardif.pdf" });
    expect([late.status, errorCode(late)]).toEqual([409, "INVALID_STATE"]);
    expect(codes(await server.gql(DeleteAttachmentDocument, { id: String(kept.json.file?.id) }, w.lead.token))).toEqual(["INVALID_STATE"]);
    expect([await countRows(server, "bid_attachments"), await countRows(server, "file_blobs")]).toEqual(before);
    expect((await download(server, String(kept.json.file?.downloadUrl), w.partner.token)).status).toBe(200);
  });
});
