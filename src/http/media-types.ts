import Negotiator from "negotiator";

/** The media types Apollo answers in (its `MEDIA_TYPES`), negotiated with the same library. */
export const MEDIA = {
  json: "application/json; charset=utf-8",
  graphqlResponse: "application/graphql-response+json; charset=utf-8",
  jsonCallback: "application/json; callbackSpec=1.0; charset=utf-8",
  html: "text/html",
} as const;

/** What Apollo answers a single result in for this Accept header; no header means JSON. */
export function resultMediaType(accept: string | undefined): string | undefined {
  if (!accept) return MEDIA.json;
  return new Negotiator({ headers: { accept } }).mediaType([MEDIA.json, MEDIA.graphqlResponse, MEDIA.jsonCallback]);
}

/** Whether a GET prefers a page (HTML) to a result, as a browser opening the URL does: the explorer's cue. */
export function prefersHtml(method: string, accept: string | undefined): boolean {
  if (method !== "GET" || !accept) return false;
  const types = [
    MEDIA.json,
    MEDIA.graphqlResponse,
    "multipart/mixed; deferSpec=20220824",
    "multipart/mixed; incrementalSpec=v0.2",
    "multipart/mixed",
    MEDIA.html,
  ];
  return new Negotiator({ headers: { accept } }).mediaType(types) === MEDIA.html;
}
