import { DurableMarks } from "../../src/bids/sections/durable-marks";

/** Three editors of a section, each on its own socket (the origin of what it sends). */
const [a, b, c] = [{ origin: { socket: "a" } }, { origin: { socket: "b" } }, { origin: { socket: "c" } }];
type Editor = typeof a;

function owed(marks: DurableMarks<Editor>, seq: number, cmid: string | null = null): boolean {
  return [a, b, c].map((e) => marks.owe(e, seq, cmid)).some(Boolean);
}

test("with no relay since the commit, everyone owed gets the mark, with the clientMutationId of its one update", () => {
  const marks = new DurableMarks<Editor>();
  expect(owed(marks, 7, "cmid-7")).toBe(true);
  const { mark, send, again } = marks.due();
  expect(mark).toEqual({ seq: 7, clientMutationId: "cmid-7" });
  expect(send).toEqual([a, b, c]);
  expect(again).toBe(false);
});

test("a relay of one editor carrying the seq tells the others: only its sender gets the empty mark", () => {
  const marks = new DurableMarks<Editor>();
  owed(marks, 7);
  marks.relayed(7, a.origin);
  expect(marks.due().send).toEqual([a]);
});

test("relays of two senders, or one merged relay sent to all, tell everyone: no mark goes", () => {
  const two = new DurableMarks<Editor>();
  owed(two, 7);
  two.relayed(7, a.origin);
  two.relayed(7, b.origin);
  expect(two.due().send).toEqual([]);
  const merged = new DurableMarks<Editor>();
  owed(merged, 7);
  merged.relayed(7, null);
  expect(merged.due()).toMatchObject({ send: [], again: false });
});

test("a relay carrying an older seq does not cover a later commit", () => {
  const marks = new DurableMarks<Editor>();
  owed(marks, 7);
  marks.relayed(6, null);
  expect(marks.due().send).toEqual([a, b, c]);
});

test("covered up to the seq the timer was armed at, but not the commits after it: one period more, then the mark", () => {
  const marks = new DurableMarks<Editor>();
  expect(owed(marks, 7, "cmid-7")).toBe(true);
  // The timer is armed once: later commits join it.
  expect(owed(marks, 8, "cmid-8")).toBe(false);
  marks.relayed(7, null);
  const first = marks.due();
  expect(first).toMatchObject({ send: [], again: true });
  // Another relay carries the later seq: nobody is owed anything.
  marks.relayed(8, c.origin);
  const second = marks.due();
  expect(second.send).toEqual([c]);
  expect(second.mark).toEqual({ seq: 8, clientMutationId: null });
  expect(second.again).toBe(false);
});

test("no relay in the extra period: the waiting editors get the mark then (never later than two periods)", () => {
  const marks = new DurableMarks<Editor>();
  owed(marks, 7);
  owed(marks, 8);
  marks.relayed(7, null);
  expect(marks.due().again).toBe(true);
  expect(marks.due()).toMatchObject({ mark: { seq: 8 }, send: [a, b, c], again: false });
});

test("an editor settled meanwhile (sent the bytes, or gone) is owed nothing", () => {
  const marks = new DurableMarks<Editor>();
  owed(marks, 7);
  marks.settle(b);
  expect(marks.due().send).toEqual([a, c]);
  // The timer is armed again by the next commit after a quiet period.
  expect(marks.owe(a, 9, "cmid-9")).toBe(true);
  expect(marks.due().mark).toEqual({ seq: 9, clientMutationId: "cmid-9" });
});
