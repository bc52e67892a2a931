import { EventEmitter } from "node:events";
import { createServer } from "node:net";
import { freePort, nextEvent, settledWithin, until, within } from "../helpers/wait";

/** The shared waits of test/helpers/wait.ts: what they resolve with, and what their timeouts say. */
describe("test/helpers/wait.ts", () => {
  test("freePort gives a port something can listen on", async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(port).toBeGreaterThan(0);
  });

  test("until returns the first value that is there, trying again after a throw or a false", async () => {
    let calls = 0;
    const value = await until(
      () => {
        calls += 1;
        if (calls === 1) throw new Error("not yet");
        return calls === 2 ? false : { calls };
      },
      { label: "the third call", intervalMs: 1 },
    );
    expect(value).toEqual({ calls: 3 });
  });

  test("until's timeout names what was awaited and the last failure", async () => {
    await expect(
      until(
        () => {
          throw new Error("row missing");
        },
        { label: "the row of the bid", timeoutMs: 30, intervalMs: 5 },
      ),
    ).rejects.toThrow(/timed out after 30 ms waiting for the row of the bid \(last failure: row missing\)/);
  });

  test("nextEvent gives an emitter's next event, or rejects naming it", async () => {
    const emitter = new EventEmitter();
    const next = nextEvent<string>(emitter, "sent", { label: "the sent event" });
    emitter.emit("sent", "a@b.coop");
    await expect(next).resolves.toBe("a@b.coop");
    expect(emitter.listenerCount("sent")).toBe(0);
    expect(emitter.listenerCount("error")).toBe(0);
    await expect(nextEvent(emitter, "sent", { label: "the sent event", timeoutMs: 20 })).rejects.toThrow(/waiting for the sent event/);
    const failing = nextEvent(emitter, "sent", { label: "the sent event" });
    emitter.emit("error", new Error("relay down"));
    await expect(failing).rejects.toThrow("relay down");
  });

  test("nextEvent gives an async iterator's next value, and says when it ended", async () => {
    async function* two() {
      yield 1;
    }
    const iterator = two();
    await expect(nextEvent(iterator, { label: "the first value" })).resolves.toBe(1);
    await expect(nextEvent(iterator, { label: "a second value" })).rejects.toThrow(/a second value: the iterator ended/);
  });

  test("within and settledWithin", async () => {
    await expect(within(Promise.resolve(7), { label: "seven" })).resolves.toBe(7);
    await expect(within(new Promise(() => undefined), { label: "nothing", timeoutMs: 10 })).rejects.toThrow(/waiting for nothing/);
    await expect(settledWithin(new Promise(() => undefined), 10)).resolves.toEqual({ how: "running" });
    await expect(settledWithin(Promise.resolve({ how: "complete" }), 10)).resolves.toEqual({ how: "complete" });
  });
});
