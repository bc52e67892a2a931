/** The operations the provider sends (src/client/section-provider.ts), and how their refusals read. */

export const STREAM = `subscription ProviderStream($sectionId: ID!, $stateVector: String) {
  sectionUpdates(sectionId: $sectionId, stateVector: $stateVector) { kind message seq stateVector clientMutationId }
}`;
export const APPLY = `mutation ProviderApply($input: ApplySectionUpdateInput!) { applySectionUpdate(input: $input) { seq } }`;
export const AWARENESS = `mutation ProviderAwareness($input: SectionAwarenessInput!) { sendSectionAwareness(input: $input) }`;
export const STATE = `query ProviderState($id: ID!, $sv: String!) { node(id: $id) { ... on BidSection { diff(stateVector: $sv) stateVector } } }`;
export const REFRESH = `mutation ProviderRefresh { refreshSession { token } }`;

/** A y-protocols sync message holding an empty Yjs update, as the server frames it (base64). */
export const EMPTY_UPDATE_MESSAGE = "AAICAAA=";

/** Errors after which a change is dropped, not retried: retrying would get the same answer. */
export const REFUSALS = new Set(["BAD_USER_INPUT", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "INVALID_STATE", "UNAUTHENTICATED"]);

/** A GraphQL error answered to one of the provider's requests, with its code. */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
