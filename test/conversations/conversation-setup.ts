import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import type { Client as WsClient } from "graphql-ws";
import { PlatformRole } from "../../src/auth/roles";
import { BidStatus } from "../../src/bids/bid.enums";
import { toGlobalId } from "../../src/common/node";
import { TenderKind } from "../../src/tenders/tender.enums";
import { createWorld, type BidWorld } from "../bids/bid-setup";
import { PostMessageDocument } from "../generated/graphql";
import { buildBid, createUser, type TestUser } from "../helpers/factories";
import { settledWithin } from "../helpers/wait";
import type { TestServer } from "../helpers/server";

/** A direct order of `client`, the bid world around it, and a bid of A and B on the order in `status`. */
export interface OrderWorld extends BidWorld {
  client: TestUser;
  otherClient: TestUser;
  order: { id: string; gid: string; conversation: string };
  offer: { id: string; gid: string; conversation: string };
}

export async function orderWorld(server: TestServer, offerStatus: BidStatus): Promise<OrderWorld> {
  const client = await createUser(server, PlatformRole.CLIENT);
  const otherClient = await createUser(server, PlatformRole.CLIENT);
  const w = await createWorld(server, { kind: TenderKind.DIRECT_ORDER, clientId: client.id, title: "Commande de plaquettes" });
  const em = server.orm.em.fork();
  const offer = await buildBid(em, { tenderId: w.tender.id, cooperativeIds: [w.coopA.id, w.coopB.id], status: offerStatus });
  if (offerStatus === BidStatus.DRAFT) await em.getConnection().execute("UPDATE bids SET submitted_at = NULL WHERE id = ?", [offer.id]);
  return {
    ...w,
    client,
    otherClient,
    order: { ...w.tender, conversation: toGlobalId("Conversation", w.tender.id) },
    offer: { ...offer, conversation: toGlobalId("Conversation", offer.id) },
  };
}

export async function post(server: TestServer, token: string, conversationId: string, body: string, clientMutationId?: string) {
  const result = await server.gql(PostMessageDocument, { input: { conversationId, body, clientMutationId } }, token);
  if (result.errors?.length || !result.data) throw new Error(`postMessage failed: ${JSON.stringify(result.errors)}`);
  return result.data.postMessage;
}

/** A running subscription's results and how it ended (complete, error, socket closed). */
export interface Watch<T> {
  results: T[];
  /** Error codes answered as results (a refused start is one result with errors, then complete). */
  errors: string[];
  ended: Promise<{ how: "complete" | "error" | "closed"; code?: number; errors?: unknown }>;
  /** Resolves when `results` holds an item passing `test`. */
  until(test: (item: T) => boolean, ms?: number): Promise<T>;
}

export function watch<T, V extends Record<string, unknown>>(client: WsClient, document: TypedDocumentNode<T, V>, variables: V): Watch<T> {
  const query = print(document);
  const results: T[] = [];
  const errors: string[] = [];
  const waiters = new Set<() => void>();
  const ended = new Promise<Awaited<Watch<T>["ended"]>>((resolve) => {
    client.subscribe(
      { query, variables },
      {
        next: (value) => {
          if (value.errors?.length) errors.push(...value.errors.map((e) => String(e.extensions?.code)));
          else results.push(value.data as T);
          for (const wake of waiters) wake();
        },
        error: (error) => {
          if (typeof error === "object" && error && "code" in error && !Array.isArray(error)) resolve({ how: "closed", code: Number(error.code) });
          else resolve({ how: "error", errors: error });
        },
        complete: () => resolve({ how: "complete" }),
      },
    );
  });
  const until = (test: (item: T) => boolean, ms = 5000) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = results.find(test);
        if (!found) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`nothing matching within ${ms} ms; got ${JSON.stringify(results)}`));
      }, ms);
      waiters.add(check);
      check();
    });
  return { results, errors, ended, until };
}

/** How `ended` settles within `ms`, or "running". */
export function outcome<T>(w: Watch<T>, ms = 5000): Promise<Awaited<Watch<T>["ended"]> | { how: "running" }> {
  return settledWithin(w.ended, ms);
}
