import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError } from "graphql";
import { MEDIA, resultMediaType } from "./media-types";

/**
 * Request errors (the operation never ran, so the answer has no `data`). The GraphQL-over-HTTP
 * spec: in `application/json` they come with status 200 (a legacy client reads the body whatever
 * the status); in `application/graphql-response+json` with 400. Apollo answers 400 in both.
 */
const REQUEST_ERROR_CODES = new Set(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT", "OPERATION_RESOLUTION_FAILURE"]);

/** Subscriptions are served over WebSocket only; over HTTP, graphql-js would run them once and fail. */
function subscriptionOverHttp(host: string | undefined): GraphQLError {
  const where = host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `ws://${host}/graphql` : "ws://<this host>/graphql";
  return new GraphQLError(
    `Subscriptions are served over WebSocket only: connect to ${where} (wss:// behind TLS) with the graphql-ws protocol (subprotocol graphql-transport-ws).`,
    { extensions: { code: "BAD_REQUEST", http: { status: 400 } } },
  );
}

/** Apollo's HTTP answers brought to the GraphQL-over-HTTP spec (its `graphql-http` audit). */
export function graphqlOverHttpPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (operation?.operation === "subscription") throw subscriptionOverHttp(request.http?.headers.get("host"));
        },
        async willSendResponse({ request, response }) {
          if (response.http.status !== 400 || response.body.kind !== "single") return;
          const result = response.body.singleResult;
          if (result.data !== undefined || !result.errors?.length) return;
          if (!result.errors.every((e) => REQUEST_ERROR_CODES.has(String(e.extensions?.code)))) return;
          if (resultMediaType(request.http?.headers.get("accept")) === MEDIA.json) response.http.status = 200;
        },
      };
    },
  };
}
