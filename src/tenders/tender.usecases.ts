import { Bid } from "../bids/bid.entity";
import { notify } from "../realtime/bus";
import { TENDER_PUBLISHED, type TenderPublished } from "./tender.events";
import { alertDepsOf, alertSavedSearches, type AlertDeps } from "../alerts/alert.match";
import type { AppServices } from "../context";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Actor } from "../auth/actor";
import { PlatformRole } from "../auth/roles";
import { User } from "../auth/user.entity";
import { BadInputError, ForbiddenError, InvalidStateError } from "../common/errors";
import { decodeId, toGlobalId } from "../common/node";
import * as v from "../common/validate";
import { NotificationKind } from "../notifications/notification.enums";
import { notifyPeople } from "../notifications/notify";
import { missionOfficers } from "../notifications/recipients";
import { ClientOrganisation } from "../clients/client.entity";
import { Lot, Tender } from "./tender.entity";
import { TenderKind, TenderStatus } from "./tender.enums";
import type { CreateTenderInput, UpdateTenderInput } from "./tender.inputs";
import { assertTransition } from "./tender.lifecycle";
import { canCreateTender, type TenderAction } from "./tender.policy";
import { cpvSummary, lotPrefixes } from "./tender.cpv";
import { criteria, currency, deadline, DEFAULT_VAT_RATE, groupRules, lots, money, place, vatRate, type LotValues } from "./tender.checks";
import { loadTender, loadTenderById } from "./tender.queries";

/* The tender's use cases: create, submit a direct order, edit, publish, close, cancel, assign. */

function replaceLots(em: EntityManager, tender: Tender, values: LotValues[]): void {
  for (const lot of tender.lots.getItems()) em.remove(lot);
  tender.lots.removeAll();
  for (const lot of values) {
    tender.lots.add(em.create(Lot, { ...lot, tender, cpvPrefixes: lotPrefixes(lot.cpvCodes) }));
  }
  Object.assign(tender, cpvSummary(values.map((l) => l.cpvCodes)));
}

export async function createTender(actor: Actor, input: CreateTenderInput, now = new Date()): Promise<Tender> {
  const { em, viewer } = actor;
  if (!Object.values(TenderKind).includes(input.kind)) throw new BadInputError("input.kind", "is not a tender kind");
  if (!canCreateTender(viewer, input.kind)) {
    throw new ForbiddenError(
      viewer.kind === "USER" && viewer.role === PlatformRole.CLIENT
        ? "A client may only place direct orders."
        : "Only mission officers and admins create tenders.",
    );
  }
  const userId = viewer.kind === "USER" ? viewer.userId : null;
  const isClient = viewer.kind === "USER" && viewer.role === PlatformRole.CLIENT;
  let client: User | null = null;
  if (isClient && userId) {
    client = await em.findOneOrFail(User, { id: userId });
  } else if (input.clientId != null) {
    if (input.kind !== TenderKind.DIRECT_ORDER) throw new BadInputError("input.clientId", "only a direct order has a client");
    const clientId = decodeId("User", input.clientId, "input.clientId");
    client = await em.findOne(User, { id: clientId, role: PlatformRole.CLIENT });
    if (!client) throw new BadInputError("input.clientId", "is not a client account");
  }
  const lotValues = lots("input.lots", input.lots ?? []);
  const sumOfLots = lotValues.some((l) => l.estimatedValue !== null) ? lotValues.reduce((s, l) => s + (l.estimatedValue ?? 0), 0) : null;
  // The order belongs to the client's organisation (every person of it sees it); the person placed it.
  const organisationId = client ? ((await em.findOne(User, { id: client.id }, { fields: ["clientOrganisation"] }))?.clientOrganisation?.id ?? null) : null;
  const organisation = organisationId ? await em.findOneOrFail(ClientOrganisation, { id: organisationId }) : null;
  const buyerName = v.optionalText("input.buyerName", input.buyerName, { max: 300 }) ?? organisation?.name ?? client?.name ?? null;
  if (buyerName === null) throw new BadInputError("input.buyerName", "must not be empty");
  const tender = em.create(Tender, {
    kind: input.kind,
    title: v.text("input.title", input.title, { max: 500 }),
    description: v.optionalText("input.description", input.description, { max: 20000, multiline: true }),
    buyerName,
    client,
    clientOrganisation: organisation,
    createdBy: userId ? em.getReference(User, userId) : null,
    ...(input.place ? place("input.place", input.place) : {}),
    estimatedValue: money("input.estimatedValue", input.estimatedValue) ?? sumOfLots,
    currency: currency("input.currency", input.currency),
    ...(input.vatRate == null ? {} : { vatRate: vatRate("input.vatRate", input.vatRate) }),
    submissionDeadline: deadline("input.submissionDeadline", input.submissionDeadline, now),
    awardCriteria: criteria("input.awardCriteria", input.awardCriteria ?? []),
    ...(input.groupRules ? groupRules("input.groupRules", input.groupRules) : {}),
  });
  replaceLots(em, tender, lotValues);
  await em.flush();
  return tender;
}

/** Who opens a tender: with the app's services at hand (a GraphQL context), saved searches may also e-mail. */
type OpeningActor = Actor & { app?: Pick<AppServices, "mailer" | "config"> };

/** A client submits a direct order: created and published at once, visible to them and the staff. */
export async function submitDirectOrder(actor: OpeningActor, input: CreateTenderInput, now = new Date()): Promise<Tender> {
  if (input.kind !== TenderKind.DIRECT_ORDER) throw new BadInputError("input.kind", "must be DIRECT_ORDER");
  if (input.clientId != null) throw new BadInputError("input.clientId", "is set by the server: the client is the viewer");
  const tender = await createTender(actor, input, now);
  tender.status = TenderStatus.OPEN;
  tender.publishedAt = now;
  // The officers hear of it in the same transaction: an order nobody is told of is not lost either.
  await flushAndAnnounce(actor.em, tender, actor.app ? alertDepsOf(actor.app) : null, async (em) => {
    await notifyPeople(em, await missionOfficers(em), {
      kind: NotificationKind.NEW_DIRECT_ORDER,
      text: `Nouvelle commande directe de ${tender.buyerName} : « ${tender.title} »`,
      subjectId: toGlobalId("Tender", tender.id),
      dedupeKey: `order:${tender.id}`,
    });
  });
  return tender;
}

/**
 * Commits a tender that just became OPEN, announces it (matching listens) and alerts the saved
 * searches it matches, all in one transaction.
 */
async function flushAndAnnounce(em: EntityManager, tender: Tender, alerts: AlertDeps | null, also?: (em: EntityManager) => Promise<void>): Promise<void> {
  await em.begin();
  try {
    await em.flush();
    await also?.(em);
    await notify(em, TENDER_PUBLISHED, { tenderId: tender.id } satisfies TenderPublished);
    await alertSavedSearches(em, tender.id, alerts);
    await em.commit();
  } catch (error) {
    await em.rollback();
    throw error;
  }
}

const EDITABLE: readonly TenderStatus[] = [TenderStatus.DRAFT, TenderStatus.OPEN];

/** Staff edit any tender (`edit`); the client edits its own order (`editOwnOrder`, src/clients/order.service.ts). */
export async function updateTender(
  actor: Actor,
  globalId: string,
  input: UpdateTenderInput,
  now = new Date(),
  options: { action?: TenderAction; check?: (tender: Tender) => Promise<void> } = {},
): Promise<Tender> {
  const tender = await loadTender(actor, globalId, options.action ?? "edit");
  if (!EDITABLE.includes(tender.status)) throw new InvalidStateError(`A tender that is ${tender.status} cannot be edited.`);
  await options.check?.(tender);
  const has = (key: keyof UpdateTenderInput) => Object.prototype.hasOwnProperty.call(input, key) && input[key] !== undefined;
  const changes: Partial<Tender> = {};
  if (has("title")) changes.title = v.text("input.title", input.title as string, { max: 500 });
  if (has("description")) changes.description = v.optionalText("input.description", input.description, { max: 20000, multiline: true });
  if (has("buyerName")) changes.buyerName = v.text("input.buyerName", input.buyerName as string, { max: 300 });
  if (has("place")) Object.assign(changes, place("input.place", input.place ?? {}));
  if (has("estimatedValue")) changes.estimatedValue = money("input.estimatedValue", input.estimatedValue);
  if (has("vatRate")) changes.vatRate = input.vatRate === null ? DEFAULT_VAT_RATE : vatRate("input.vatRate", input.vatRate as number);
  if (has("submissionDeadline")) changes.submissionDeadline = deadline("input.submissionDeadline", input.submissionDeadline, now);
  if (has("awardCriteria")) changes.awardCriteria = criteria("input.awardCriteria", input.awardCriteria ?? []);
  if (has("groupRules")) Object.assign(changes, groupRules("input.groupRules", input.groupRules ?? {}));
  const lotValues = has("lots") ? lots("input.lots", input.lots ?? []) : null;
  const { em } = actor;
  if (lotValues) {
    // Bids point at lots (assignments, price lines): their lots are no longer rewritten.
    if (await em.count(Bid, { tender: tender.id })) {
      throw new InvalidStateError("This tender has bids: its lots can no longer be changed.");
    }
    await tender.lots.init();
    replaceLots(em, tender, lotValues);
  }
  em.assign(tender, changes);
  await em.flush();
  return tender;
}

async function transition(actor: Actor, globalId: string, to: TenderStatus, action: TenderAction = "transition"): Promise<Tender> {
  const tender = await loadTender(actor, globalId, action);
  assertTransition(tender.status, to);
  return tender;
}

export async function publishTender(actor: OpeningActor, globalId: string, now = new Date()): Promise<Tender> {
  const tender = await transition(actor, globalId, TenderStatus.OPEN);
  if (tender.submissionDeadline && tender.submissionDeadline.getTime() <= now.getTime()) {
    throw new BadInputError("submissionDeadline", "has passed: set a new deadline before publishing");
  }
  tender.status = TenderStatus.OPEN;
  tender.publishedAt = now;
  await flushAndAnnounce(actor.em, tender, actor.app ? alertDepsOf(actor.app) : null);
  return tender;
}

export async function closeTender(actor: Actor, globalId: string): Promise<Tender> {
  const tender = await transition(actor, globalId, TenderStatus.CLOSED);
  tender.status = TenderStatus.CLOSED;
  await actor.em.flush();
  return tender;
}

/** Staff cancel any tender; a client cancels their own direct order. */
export async function cancelTender(actor: Actor, globalId: string): Promise<Tender> {
  const id = decodeId("Tender", globalId, "id");
  const tender = await loadTenderById(actor, id, "cancelOwnOrder", globalId);
  assertTransition(tender.status, TenderStatus.CANCELLED);
  tender.status = TenderStatus.CANCELLED;
  await actor.em.flush();
  return tender;
}

export async function assignOfficer(actor: Actor, globalId: string, officerGlobalId: string | null): Promise<Tender> {
  const tender = await loadTender(actor, globalId, "edit");
  if (officerGlobalId === null) {
    tender.assignedOfficer = null;
  } else {
    const officerId = decodeId("User", officerGlobalId, "officerId");
    const officer = await actor.em.findOne(User, { id: officerId, role: { $in: [PlatformRole.MISSION_OFFICER, PlatformRole.ADMIN] } });
    if (!officer) throw new BadInputError("officerId", "is not a mission officer or admin");
    tender.assignedOfficer = officer;
  }
  await actor.em.flush();
  return tender;
}
