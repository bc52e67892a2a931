import { GraphQLError, Kind, type GraphQLFormattedError } from "graphql";
import type { Logger } from "pino";
import { UniqueConstraintViolationException, DriverException } from "@mikro-orm/core";
import { AppError } from "./errors";

/** Codes GraphQL and Apollo themselves give to malformed operations: safe to show as is. */
const PROTOCOL_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
  "BAD_REQUEST",
]);

const CONNECTION_FAILURES =
  /ECONNREFUSED|ECONNRESET|terminating connection|Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|57P01|57P03/;
// 08P01 (protocol violation) is a bad request that reached the driver, not an outage.

/**
 * What a client sees of an error: our typed errors and GraphQL's own as they are, a retryable
 * SERVICE_UNAVAILABLE when the database is out of reach, and for anything else a bare
 * INTERNAL_SERVER_ERROR (the log keeps the detail, with the request id).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, log: Logger, requestId?: string): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof AppError) {
    // `http` only steers the status code; it is not for the client.
    const { http: _http, ...extensions } = original.extensions;
    return { message: original.message, path: formatted.path, locations: formatted.locations, extensions };
  }
  if (isRefusedRequest(error)) {
    return { message: (error as GraphQLError).message, extensions: { code: "BAD_REQUEST" } };
  }
  const code = isVariableRefusal(error) ? "BAD_USER_INPUT" : formatted.extensions?.code;
  if (typeof code === "string" && PROTOCOL_CODES.has(code)) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  if (original instanceof UniqueConstraintViolationException) {
    return { message: "This record already exists.", path: formatted.path, extensions: { code: "CONFLICT" } };
  }
  const message = original instanceof Error ? original.message : String(original);
  if (CONNECTION_FAILURES.test(message) || (original instanceof DriverException && /^(08000|08001|08003|08004|08006|57P0[1-3])$/.test(String(original.code)))) {
    log.warn({ err: original, requestId }, "database unavailable");
    return {
      message: "The service is briefly unavailable; retry in a moment.",
      path: formatted.path,
      extensions: { code: "SERVICE_UNAVAILABLE", retryable: true, requestId },
    };
  }
  log.error({ err: original, requestId, path: formatted.path }, "unexpected error");
  return { message: "Internal server error", path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR", requestId } };
}

/**
 * Apollo refuses some malformed requests with a 4xx status but no code (a persisted query whose
 * hash does not match its text, an unsupported persisted-query version): a client error, never an
 * INTERNAL_SERVER_ERROR.
 */
function isRefusedRequest(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.originalError !== undefined || error.extensions.code !== undefined) return false;
  const http = error.extensions.http as { status?: unknown } | undefined;
  return typeof http?.status === "number" && http.status >= 400 && http.status < 500;
}

/**
 * graphql-js refusing a variable's value (missing, wrong type, unknown input field): bad input,
 * recognised as Apollo recognises it over HTTP. graphql-ws hands these errors on without a code;
 * over a WebSocket they were an INTERNAL_SERVER_ERROR.
 */
function isVariableRefusal(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return false;
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (node?.kind !== Kind.VARIABLE_DEFINITION) return false;
  const variable = `Variable "$${node.variable.name.value}" `;
  return ["got invalid value ", "of required type ", "of non-null type "].some((rest) => error.message.startsWith(variable + rest));
}
