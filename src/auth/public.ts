import { Extensions } from "type-graphql";

/**
 * Marks an operation that anyone may call (sign-in, sign-up). Every root field carries either
 * this or `@Authorized`, and a test fails on one with neither.
 */
export function Public(): MethodDecorator & ClassDecorator & PropertyDecorator {
  return Extensions({ access: "public" });
}
