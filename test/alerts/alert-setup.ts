import { readFileSync } from "node:fs";
import path from "node:path";
import { CreateTenderDocument, ImportNoticeDocument, PublishTenderDocument, SaveSearchDocument, type SaveSearchInput } from "../generated/graphql";
import type { TestServer } from "../helpers/server";

/**
 * A contract notice of the fixtures (Seine-Maritime), opened: its deadline moved to 2099, its CPV
 * code (77310000, outside the platform's list) made 79810000 (printing).
 */
export function openingNotice(version = "01"): string {
  return readFileSync(path.resolve(__dirname, "../fixtures/eforms/cn_24_FRA_comments.xml"), "utf8")
    .replaceAll("2019-06-24Z", "2099-06-24Z")
    .replaceAll(">77310000<", ">79810000<")
    .replaceAll("da4d46e9-490b-41ff-a2ae-8166d356a619", "5b6c1e0a-6a0e-4f7e-9d43-0000000a1e01")
    .replaceAll("e3cdabf1-e057-47a5-9210-b1f6fc757228", "5b6c1e0a-6a0e-4f7e-9d43-0000000a1e02")
    .replace("<cbc:VersionID>01</cbc:VersionID>", `<cbc:VersionID>${version}</cbc:VersionID>`);
}

export async function importXml(server: TestServer, xml: string, token: string) {
  const result = await server.gql(ImportNoticeDocument, { xml }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.importNotice;
}

export async function save(server: TestServer, token: string, input: SaveSearchInput): Promise<string> {
  const result = await server.gql(SaveSearchDocument, { input }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.saveSearch.id;
}

export interface DraftSeed {
  title: string;
  description?: string;
  communeCode: string;
  cpv: string[];
  value?: number;
  kind?: "PUBLIC_TENDER" | "CALL_FOR_PROJECTS";
}

/** A draft made by the officer through the API. */
export async function createDraft(server: TestServer, officerToken: string, seed: DraftSeed): Promise<string> {
  const created = await server.gql(
    CreateTenderDocument,
    {
      input: {
        kind: seed.kind ?? "PUBLIC_TENDER",
        title: seed.title,
        description: seed.description ?? null,
        buyerName: "Métropole Rouen Normandie",
        place: { communeCode: seed.communeCode },
        estimatedValue: seed.value ?? null,
        submissionDeadline: new Date(Date.now() + 40 * 86400_000).toISOString(),
        lots: [{ number: 1, title: "Lot unique", cpvCodes: seed.cpv }],
      },
    },
    officerToken,
  );
  expect(created.errors).toBeUndefined();
  return created.data!.createTender.id;
}

export async function publish(server: TestServer, officerToken: string, id: string): Promise<string> {
  const published = await server.gql(PublishTenderDocument, { id }, officerToken);
  expect(published.errors).toBeUndefined();
  return id;
}

/** A draft made by the officer through the API, then published: the tender opens. */
export async function publishNew(server: TestServer, officerToken: string, seed: DraftSeed): Promise<string> {
  return publish(server, officerToken, await createDraft(server, officerToken, seed));
}

export interface Alert {
  recipient: string;
  kind: string;
  text: string;
  subject: string | null;
  key: string;
}

/** The saved-search notifications written so far (the inbox API is another feature's). */
export async function alerts(server: TestServer, recipientId?: string): Promise<Alert[]> {
  return server.orm.em.getConnection().execute<Alert[]>(
    `SELECT recipient_id AS recipient, kind, text, subject_id AS subject, dedupe_key AS key FROM notifications
      WHERE kind = 'SAVED_SEARCH_MATCH' ${recipientId ? "AND recipient_id = ?" : ""} ORDER BY created_at, dedupe_key`,
    recipientId ? [recipientId] : [],
  );
}
