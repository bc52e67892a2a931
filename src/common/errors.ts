import { GraphQLError } from "graphql";

/**
 * The stable error codes of the API (ARCHITECTURE §7). Clients branch on `extensions.code`,
 * never on the message.
 */
export type ErrorCode = "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND" | "BAD_USER_INPUT" | "CONFLICT" | "INVALID_STATE" | "RATE_LIMITED";

/** Base of every error the API shows to a client as is. */
export class AppError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    extensions: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { ...extensions, code } });
    this.name = "AppError";
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = "Sign in first.") {
    super("UNAUTHENTICATED", message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "You are not allowed to do this.") {
    super("FORBIDDEN", message);
  }
}

/** Also answers for records of another tenant, so that their existence does not leak. */
export class NotFoundError extends AppError {
  constructor(what: string, id?: string) {
    super("NOT_FOUND", id ? `${what} ${id} was not found.` : `${what} was not found.`);
  }
}

/** Bad input, naming the offending argument or input field (dot path, e.g. `input.siret`). */
export class BadInputError extends AppError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super("BAD_USER_INPUT", `${field}: ${message}`, { field });
  }
}

/** A stale version or a uniqueness rule; `current` carries the state the client should rebase on. */
export class ConflictError extends AppError {
  constructor(message: string, current?: unknown) {
    super("CONFLICT", message, current === undefined ? {} : { current });
  }
}

/** The record exists but its lifecycle forbids the operation now. */
export class InvalidStateError extends AppError {
  constructor(message: string) {
    super("INVALID_STATE", message);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super("RATE_LIMITED", `Too many attempts; retry in ${retryAfterSeconds} s.`, {
      retryAfterSeconds,
    });
  }
}
