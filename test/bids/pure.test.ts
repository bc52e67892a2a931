import { completenessIssues, allowedGroupTypes, type CompletenessFacts } from "../../src/bids/bid.completeness";
import { checkDeclaredLots, defaultDeclaredLots, offerClashMessage } from "../../src/bids/bid.lots";
import { canApproveSection, canEditPriceLine, canEditSection } from "../../src/bids/bid.rights";
import { assertSectionMove, canTransitionSection } from "../../src/bids/sections/section.workflow";
import { BidGroupType, BidMemberStatus, BidStatus, SectionStatus } from "../../src/bids/bid.enums";
import { canTransitionBid, compositionEditable, contentEditable } from "../../src/bids/bid.lifecycle";
import { canOnBid, type BidAccess } from "../../src/bids/bid.policy";
import { computeTotals, eurosToCents, lineTotalCents } from "../../src/bids/bid.totals";
import { decodeBase64, parseStateVector, parseUpdate } from "../../src/bids/sections/section-crdt";
import { Y } from "../../src/bids/sections/yjs";
import { eventFromRow } from "../../src/bids/live/bid-feed";
import { contiguous, HeldRuns } from "../../src/bids/live/held-runs";
import { BidEvent } from "../../src/bids/bid.entity";
import { toGlobalId } from "../../src/common/node";

describe("lifecycle transitions", () => {
  const S = BidStatus;
  const allowed: [BidStatus, BidStatus][] = [
    [S.PROPOSED, S.DRAFT],
    [S.PROPOSED, S.WITHDRAWN],
    [S.DRAFT, S.IN_REVIEW],
    [S.DRAFT, S.WITHDRAWN],
    [S.IN_REVIEW, S.DRAFT],
    [S.IN_REVIEW, S.SUBMITTED],
    [S.IN_REVIEW, S.WITHDRAWN],
    [S.SUBMITTED, S.WON],
    [S.SUBMITTED, S.LOST],
    [S.SUBMITTED, S.WITHDRAWN],
  ];
  const all = Object.values(S);
  test.each(all.flatMap((from) => all.map((to) => [from, to] as const)))("%s → %s", (from, to) => {
    expect(canTransitionBid(from, to)).toBe(allowed.some(([f, t]) => f === from && t === to));
  });
  test("content is editable until submission, composition only as a draft", () => {
    expect(all.filter(contentEditable)).toEqual([S.DRAFT, S.IN_REVIEW]);
    expect(all.filter(compositionEditable)).toEqual([S.DRAFT]);
  });
});

describe("totals", () => {
  test.each([
    [[], 0],
    [[{ lotId: "l1", memberId: "m1", quantity: 1000, unitPriceCents: 35 }], 35000],
    [[{ lotId: "l1", memberId: "m1", quantity: 0.333, unitPriceCents: 1001 }], 333],
    [
      [
        { lotId: "l1", memberId: "m1", quantity: 12.5, unitPriceCents: 48000 },
        { lotId: "l2", memberId: "m1", quantity: 2, unitPriceCents: 1 },
      ],
      600002,
    ],
  ])("lines %j total %d cents", (lines, total) => {
    expect(computeTotals(lines).totalCents).toBe(total);
  });
  test("per lot and per member, each line rounded to the cent", () => {
    const totals = computeTotals([
      { lotId: "a", memberId: "x", quantity: 1.5, unitPriceCents: 333 },
      { lotId: "b", memberId: "x", quantity: 1, unitPriceCents: 100 },
      { lotId: "a", memberId: "y", quantity: 2, unitPriceCents: 50 },
    ]);
    expect(lineTotalCents({ quantity: 1.5, unitPriceCents: 333 })).toBe(500);
    expect(totals).toEqual({
      totalCents: 700,
      perLot: [
        { lotId: "a", totalCents: 600 },
        { lotId: "b", totalCents: 100 },
      ],
      perMember: [
        { memberId: "x", totalCents: 600 },
        { memberId: "y", totalCents: 100 },
      ],
    });
  });
  test.each([
    [0.35, 35],
    [480, 48000],
    [0.1 + 0.2, 30],
    [1.005, null],
    [Number.NaN, null],
    [Infinity, null],
  ])("%d euros is %p cents", (euros, cents) => {
    expect(eurosToCents(euros)).toBe(cents);
  });
});

describe("completeness", () => {
  const l1 = { id: "l1", number: 1, title: "Film" };
  const l2 = { id: "l2", number: 2, title: "Impression" };
  const l3 = { id: "l3", number: 3, title: "Web" };
  const base: CompletenessFacts = {
    lots: [l1, l2],
    tenderLots: [l1, l2, l3],
    members: [
      { id: "lead", status: BidMemberStatus.ACCEPTED, name: "Atelier A" },
      { id: "b", status: BidMemberStatus.ACCEPTED, name: "Brochures B" },
    ],
    assignments: [
      { lotId: "l1", memberId: "lead" },
      { lotId: "l2", memberId: "b" },
    ],
    sections: [{ id: "s1", title: "Méthode", status: SectionStatus.DONE }],
    priceLines: [
      { lotId: "l1", memberId: "lead" },
      { lotId: "l2", memberId: "b" },
    ],
  };
  const codes = (facts: Partial<CompletenessFacts>) => completenessIssues({ ...base, ...facts }).map((i) => i.code);
  test.each([
    ["complete on the lots it declares (lot 3 left out)", {}, []],
    ["no lot declared", { lots: [], assignments: [], priceLines: [] }, ["NO_LOT"]],
    ["a lot unassigned", { assignments: [{ lotId: "l1", memberId: "lead" }] }, ["LOT_UNASSIGNED"]],
    [
      "a lot assigned to a removed member",
      { members: [base.members[0]!, { id: "b", status: BidMemberStatus.REMOVED, name: "B" }], priceLines: [{ lotId: "l1", memberId: "lead" }] },
      ["LOT_UNASSIGNED", "LOT_UNPRICED"],
    ],
    ["a member still invited", { members: [...base.members, { id: "c", status: BidMemberStatus.INVITED, name: "C" }] }, ["MEMBER_NOT_ACCEPTED"]],
    ["a declined member is not a blocker", { members: [...base.members, { id: "c", status: BidMemberStatus.DECLINED, name: "C" }] }, []],
    ["a section not done", { sections: [{ id: "s1", title: "x", status: SectionStatus.IN_PROGRESS }] }, ["SECTION_NOT_DONE"]],
    ["a section in review", { sections: [{ id: "s1", title: "x", status: SectionStatus.IN_REVIEW }] }, ["SECTION_NOT_DONE"]],
    ["no section", { sections: [] }, ["NO_SECTION"]],
    ["a lot without price", { priceLines: [{ lotId: "l1", memberId: "lead" }] }, ["LOT_UNPRICED"]],
    ["a price line of an absent member", { priceLines: [...base.priceLines, { lotId: "l1", memberId: "gone" }] }, ["PRICE_LINE_OF_ABSENT_MEMBER"]],
    ["a price line on a lot not declared", { priceLines: [...base.priceLines, { lotId: "l3", memberId: "b" }] }, ["PRICE_LINE_OF_UNDECLARED_LOT"]],
  ] as [string, Partial<CompletenessFacts>, string[]][])("%s", (_name, facts, expected) => {
    expect(codes(facts)).toEqual(expected);
  });
  test("messages name the lot, the section and the cooperative, subjectId kept", () => {
    const issues = completenessIssues({
      ...base,
      members: [...base.members, { id: "c", status: BidMemberStatus.INVITED, name: "Cinéma C" }],
      assignments: [
        { lotId: "l1", memberId: "lead" },
        { lotId: "l2", memberId: "c" },
      ],
      sections: [{ id: "s1", title: "Méthode", status: SectionStatus.IN_REVIEW }],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { code: "LOT_UNASSIGNED", message: "Lot 2 (Impression) is assigned to a member who has not accepted.", subjectId: "l2" },
        { code: "MEMBER_NOT_ACCEPTED", message: expect.stringContaining("Cinéma C"), subjectId: "c" },
        { code: "SECTION_NOT_DONE", message: "Section “Méthode” is IN_REVIEW, not DONE (approved).", subjectId: "s1" },
      ]),
    );
  });
  test.each([
    [true, "groupement solidaire", [BidGroupType.SOLIDAIRE]],
    [true, "Groupement conjoint avec mandataire solidaire", [BidGroupType.CONJOINT_WITH_SOLIDARY_LEAD]],
    [true, "groupement conjoint", [BidGroupType.CONJOINT, BidGroupType.CONJOINT_WITH_SOLIDARY_LEAD]],
    [true, "une forme juridique unique", null],
    [false, "groupement solidaire", null],
    [null, null, null],
  ])("required %p, form %p: %p", (required, form, expected) => {
    expect(allowedGroupTypes(required, form)).toEqual(expected);
  });
});

describe("declared lots", () => {
  const lots = [1, 2, 3].map((n) => ({ id: `l${n}`, number: n, title: `T${n}` }));
  test("by default every lot when the limit allows, none otherwise", () => {
    expect(defaultDeclaredLots(["a", "b"], null)).toEqual(["a", "b"]);
    expect(defaultDeclaredLots(["a", "b"], 2)).toEqual(["a", "b"]);
    expect(defaultDeclaredLots(["a", "b", "c"], 2)).toEqual([]);
  });
  test("in the tender's order, within its limit", () => {
    expect(checkDeclaredLots("f", ["l3", "l1"], lots, 2)).toEqual(["l1", "l3"]);
  });
  test.each([
    [["l1", "l2", "l3"], 2, "f: the tender allows at most 2 lots per tenderer (maximum lots per tenderer); 3 declared"],
    [[], null, "f: a bid answers at least one lot of the tender"],
    [["l1", "l1"], null, "f[1]: is listed twice"],
    [["x"], null, "f[0]: is not a lot of this bid's tender"],
  ] as [string[], number | null, string][])("%j with limit %p: %s", (declared, max, message) => {
    expect(() => checkDeclaredLots("f", declared, lots, max)).toThrow(message);
  });
  test("a clash names the lot and the cooperative, not the other offer", () => {
    expect(offerClashMessage({ lot: { number: 2, title: "Impression" }, cooperativeName: "Brochures B" })).toMatch(
      /^Lot 2 \(Impression\): Brochures B is already in another offer/,
    );
  });
});

describe("section workflow", () => {
  const S = SectionStatus;
  const allowed: [SectionStatus, SectionStatus][] = [
    [S.TODO, S.IN_PROGRESS],
    [S.IN_PROGRESS, S.TODO],
    [S.IN_PROGRESS, S.IN_REVIEW],
    [S.IN_REVIEW, S.IN_PROGRESS],
    [S.IN_REVIEW, S.DONE],
    [S.DONE, S.IN_PROGRESS],
  ];
  const all = Object.values(S);
  test.each(all.flatMap((from) => all.map((to) => [from, to] as const)))("%s → %s", (from, to) => {
    expect(canTransitionSection(from, to)).toBe(allowed.some(([f, t]) => f === from && t === to));
  });
  const move = { editor: true, approver: false, hasText: true };
  test.each([
    ["an editor sends to review", { from: S.IN_PROGRESS, to: S.IN_REVIEW, ...move }, null],
    ["an editor cannot approve", { from: S.IN_REVIEW, to: S.DONE, ...move }, "FORBIDDEN"],
    ["an approver approves a text", { from: S.IN_REVIEW, to: S.DONE, ...move, approver: true }, null],
    ["not an empty text", { from: S.IN_REVIEW, to: S.DONE, ...move, approver: true, hasText: false }, "INVALID_STATE"],
    ["not straight to DONE", { from: S.IN_PROGRESS, to: S.DONE, ...move, approver: true }, "INVALID_STATE"],
    ["an approver requests changes", { from: S.IN_REVIEW, to: S.IN_PROGRESS, editor: false, approver: true, hasText: true }, null],
    ["a non-editor cannot start", { from: S.TODO, to: S.IN_PROGRESS, editor: false, approver: false, hasText: false }, "FORBIDDEN"],
  ] as const)("%s", (_name, m, code) => {
    let thrown: unknown = null;
    try {
      assertSectionMove(m);
    } catch (error) {
      thrown = error;
    }
    expect(thrown === null ? null : (thrown as { extensions: { code: string } }).extensions.code).toBe(code);
  });
});

describe("rights inside a bid", () => {
  const partner: BidAccess = { staff: false, activeMemberIds: ["b"], lead: false };
  const lead: BidAccess = { staff: false, activeMemberIds: ["a"], lead: true };
  test("price lines: one's own, or all for the lead", () => {
    expect(canEditPriceLine(partner, "b")).toBe(true);
    expect(canEditPriceLine(partner, "a")).toBe(false);
    expect(canEditPriceLine(lead, "b")).toBe(true);
  });
  test("sections: those assigned to one's people, or all for the lead", () => {
    expect(canEditSection(partner, ["b"])).toBe(true);
    expect(canEditSection(partner, ["a"])).toBe(false);
    expect(canEditSection(partner, [])).toBe(false);
    expect(canEditSection(lead, [])).toBe(true);
  });
  test("approval: the lead or the named reviewer", () => {
    expect(canApproveSection(lead, "u1", null)).toBe(true);
    expect(canApproveSection(partner, "u2", "u2")).toBe(true);
    expect(canApproveSection(partner, "u2", "u3")).toBe(false);
    expect(canApproveSection(partner, "u2", null)).toBe(false);
  });
});

describe("who may do what", () => {
  const access = (over: Partial<BidAccess>): BidAccess => ({ staff: false, activeMemberIds: [], lead: false, ...over });
  test.each([
    ["stranger", access({}), [false, false, false]],
    ["staff", access({ staff: true }), [true, false, false]],
    ["member", access({ activeMemberIds: ["m"] }), [true, true, false]],
    ["lead", access({ activeMemberIds: ["m"], lead: true }), [true, true, true]],
  ] as [string, BidAccess, boolean[]][])("%s", (_name, a, expected) => {
    expect((["read", "edit", "lead"] as const).map((action) => canOnBid(a, action))).toEqual(expected);
  });
});

describe("Yjs input checks", () => {
  const doc = new Y.Doc();
  doc.getText("content").insert(0, "bonjour");
  const valid = Buffer.from(Y.encodeStateAsUpdate(doc)).toString("base64");
  test("a real update passes", () => {
    expect(parseUpdate("u", valid).length).toBeGreaterThan(0);
  });
  test.each([
    ["empty", ""],
    ["not base64", "@@@@"],
    ["unpadded", "AAA"],
    ["url alphabet", "a-_b"],
    ["not an update", Buffer.from("hello world").toString("base64")],
    ["an empty update", "AAA="],
    ["truncated", valid.slice(0, 8)],
    ["too large", Buffer.alloc(65 * 1024, 7).toString("base64")],
  ])("%s is refused, naming the field", (_name, value) => {
    expect(() => parseUpdate("input.update", value)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: "BAD_USER_INPUT", field: "input.update" }) }),
    );
  });
  test("state vectors", () => {
    expect(parseStateVector("sv", Buffer.from(Y.encodeStateVector(doc)).toString("base64")).length).toBeGreaterThan(0);
    expect(() => parseStateVector("sv", Buffer.from([200, 200, 200]).toString("base64"))).toThrow();
    expect(() => decodeBase64("x", "QUJD", 2)).toThrow(/at most 2 bytes/);
  });
});

describe("events carried by notifications (bid-feed eventFromRow)", () => {
  const row = {
    id: "6f0c7c0e-1d7b-4f3e-9a55-2f6a3f0f0a11",
    bid_id: "7f0c7c0e-1d7b-4f3e-9a55-2f6a3f0f0a11",
    seq: 12,
    type: "SECTION_TEXT_UPDATED",
    payload: { sectionId: "QmlkU2VjdGlvbjp4", update: "AQ==" },
    actor_id: "8f0c7c0e-1d7b-4f3e-9a55-2f6a3f0f0a11",
    client_mutation_id: "c-1",
    section_id: "9f0c7c0e-1d7b-4f3e-9a55-2f6a3f0f0a11",
    result: "BidSection:9f0c7c0e-1d7b-4f3e-9a55-2f6a3f0f0a11",
    created_at: "2026-11-26T10:52:01.123456+00:00",
    updated_at: "2026-11-26T10:52:01.123456+00:00",
  };

  test("a row as row_to_json writes it becomes the event GraphQL reads, global id included", () => {
    const event = eventFromRow(row)!;
    expect(event).toBeInstanceOf(BidEvent);
    expect(event.seq).toBe(12);
    expect(event.type).toBe("SECTION_TEXT_UPDATED");
    expect(event.payload).toEqual(row.payload);
    expect(event.bid.id).toBe(row.bid_id);
    expect(event.actor?.id).toBe(row.actor_id);
    expect(event.section?.id).toBe(row.section_id);
    expect(event.clientMutationId).toBe("c-1");
    expect(event.createdAt.toISOString()).toBe("2026-11-26T10:52:01.123Z");
    expect(event.globalId).toBe(toGlobalId("BidEvent", row.id));
  });

  test("nullable columns stay null, and a row that is not an event is refused (the feed then reads the table)", () => {
    const event = eventFromRow({ ...row, actor_id: null, client_mutation_id: null, section_id: null, result: null })!;
    expect([event.actor, event.clientMutationId, event.section, event.result]).toEqual([null, null, null, null]);
    expect(eventFromRow({ ...row, seq: "12" })).toBeNull();
    expect(eventFromRow({ ...row, payload: null })).toBeNull();
    expect(eventFromRow({ bidId: row.bid_id, seq: 12 })).toBeNull();
  });
});

describe("events heard past a hole wait for the ones before it (bid-feed HeldRuns)", () => {
  const run = (...seqs: number[]) => seqs.map((seq) => ({ seq }));
  const seqs = (events: { seq: number }[]) => events.map((e) => e.seq);

  test("a run after a hole waits; the run that fills the hole releases it, and the ones after it, in order", () => {
    const held = new HeldRuns<{ seq: number }>();
    held.hold(run(16, 17));
    held.hold(run(13, 14, 15));
    // Held in seq order, and as one run (they touch).
    expect(held.size).toBe(1);
    // Head 10: 11 and 12 are still missing.
    expect(held.release(10)).toEqual([]);
    expect(held.size).toBe(1);
    // 11 and 12 came: everything held follows.
    expect(seqs(held.release(12))).toEqual([13, 14, 15, 16, 17]);
    expect(held.size).toBe(0);
  });

  test("a second hole keeps the runs after it held; runs already taken some other way are dropped", () => {
    const held = new HeldRuns<{ seq: number }>();
    held.hold(run(20));
    held.hold(run(5, 6));
    held.hold(run(8, 9));
    // Head 6 (5 and 6 read from the table): 7 is missing, so 8 and 9 wait, and 20 after them.
    expect(held.release(6)).toEqual([]);
    expect(held.size).toBe(2);
    expect(seqs(held.release(7))).toEqual([8, 9]);
    expect(held.size).toBe(1);
    held.clear();
    expect(held.size).toBe(0);
    expect(held.release(19)).toEqual([]);
  });

  test("overlapping runs give each event once", () => {
    const held = new HeldRuns<{ seq: number }>();
    held.hold(run(3, 4, 5));
    held.hold(run(4, 5, 6, 7));
    expect(seqs(held.release(3))).toEqual([4, 5, 6, 7]);
  });

  test("runs that touch are held as one (a batch's events come one notice each), runs apart stay apart", () => {
    const held = new HeldRuns<{ seq: number }>();
    for (const seq of [13, 14, 15, 20, 17, 16]) held.hold(run(seq));
    expect(held.size).toBe(2);
    expect(seqs(held.release(12))).toEqual([13, 14, 15, 16, 17]);
    expect(held.size).toBe(1);
    expect(seqs(held.release(19))).toEqual([20]);
  });

  test("contiguous: seq after seq, no hole, no repeat", () => {
    expect(contiguous(run())).toBe(true);
    expect(contiguous(run(4))).toBe(true);
    expect(contiguous(run(4, 5, 6))).toBe(true);
    expect(contiguous(run(4, 6))).toBe(false);
    expect(contiguous(run(4, 4))).toBe(false);
    expect(contiguous(run(5, 4))).toBe(false);
  });
});
