import { BadInputError, ConflictError } from "../../src/common/errors";
import { assertVersion, checkExpectedVersion } from "../../src/common/version";

describe("assertVersion", () => {
  test("the same version passes", () => {
    expect(() => assertVersion(3, 3, "bid", () => ({}))).not.toThrow();
  });

  test("another version is a CONFLICT carrying the record as it is now", () => {
    try {
      assertVersion(2, 3, "price line", () => ({ version: 3 }));
      throw new Error("no conflict");
    } catch (error) {
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).message).toBe("The price line changed since version 2; it is at version 3.");
      expect((error as ConflictError).extensions).toMatchObject({ code: "CONFLICT", current: { version: 3 } });
    }
  });

  test("a version that is not a non-negative integer is BAD_USER_INPUT", () => {
    expect(() => checkExpectedVersion(-1)).toThrow(BadInputError);
    expect(() => assertVersion(1.5, 1, "bid", () => ({}))).toThrow(BadInputError);
  });
});
