import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { BadInputError, ForbiddenError } from "../common/errors";
import type { Viewer } from "../auth/viewer";
import { NoticeError, parseNotice } from "./eforms/eforms.parser";
import type { ParsedNotice } from "./eforms/eforms.types";
import { compareVersions, mapNotice, statusAfter, type MappedLot } from "./notice-mapping";
import { Lot, Tender, TenderNotice } from "./tender.entity";
import { ImportStatus, TenderKind, TenderSource, TenderStatus } from "./tender.enums";
import { TENDER_PUBLISHED, type TenderPublished } from "./tender.events";
import { notify } from "../realtime/bus";
import { recordNoticeAwards } from "./notice-awards";
import { canImportNotices } from "./tender.policy";
import { cpvSummary } from "./tender.cpv";
import { alertSavedSearches, type AlertDeps } from "../alerts/alert.match";
import { syncNoticeLinks } from "../files/tender-documents.service";

export interface ImportOutcome {
  status: ImportStatus;
  tender: Tender;
  notice: ParsedNotice;
}

/** Parses a notice; anything wrong with it is BAD_USER_INPUT on `field`, naming every problem. */
export function parseOrReject(xml: string, field = "xml"): ParsedNotice {
  if (typeof xml !== "string" || xml.trim() === "") throw new BadInputError(field, "is empty: give the XML of an eForms notice");
  try {
    return parseNotice(xml);
  } catch (error) {
    if (error instanceof NoticeError) {
      const shown = error.issues.slice(0, 10).map((i) => `${i.path}: ${i.message}`);
      const more = error.issues.length > 10 ? ` (and ${error.issues.length - 10} more)` : "";
      throw new BadInputError(field, `not an importable eForms notice: ${shown.join("; ")}${more}`);
    }
    throw error;
  }
}

async function findTarget(em: EntityManager, notice: ParsedNotice): Promise<Tender | null> {
  if (notice.kind === "CHANGE" && notice.changedNoticeId) {
    const changed = await em.findOne(TenderNotice, { noticeId: notice.changedNoticeId }, { populate: ["tender"], orderBy: { createdAt: "desc" } });
    if (changed) return changed.tender;
  }
  if (notice.contractFolderId) {
    const byFolder = await em.findOne(Tender, { source: TenderSource.EFORMS, contractFolderId: notice.contractFolderId });
    if (byFolder) return byFolder;
  }
  const sameNotice = await em.findOne(TenderNotice, { noticeId: notice.noticeId }, { populate: ["tender"], orderBy: { createdAt: "desc" } });
  return sameNotice?.tender ?? null;
}

/** Updates lots by number, so that lot ids (and what refers to them) survive a new notice. */
async function applyLots(em: EntityManager, tender: Tender, lots: MappedLot[], removeMissing: boolean): Promise<void> {
  const existing = tender.id ? await em.find(Lot, { tender }) : [];
  for (const values of lots) {
    const prefixes = cpvSummary([values.cpvCodes]).cpvPrefixes;
    const lot = existing.find((l) => l.number === values.number);
    if (lot) em.assign(lot, { ...values, cpvPrefixes: prefixes });
    else em.create(Lot, { ...values, tender, cpvPrefixes: prefixes });
  }
  if (removeMissing) for (const lot of existing) if (!lots.some((l) => l.number === lot.number)) em.remove(lot);
}

/** What an import needs of the configuration. */
export interface ImportOptions {
  /** Commission rate of the outcomes an award notice records. */
  commissionRate: number;
  /** The outbox for saved searches that e-mail; without it a tender that opens alerts inboxes only. */
  alerts?: AlertDeps | null;
}

async function apply(em: EntityManager, notice: ParsedNotice, now: Date, options: ImportOptions): Promise<ImportOutcome> {
  const already = await em.find(TenderNotice, { noticeId: notice.noticeId }, { populate: ["tender"] });
  const same = already.find((n) => n.version === notice.version);
  if (same) return { status: ImportStatus.UNCHANGED, tender: same.tender, notice };
  const newer = already.find((n) => compareVersions(n.version, notice.version) > 0);
  // An older version of a notice already applied in a newer version changes nothing.
  if (newer) return { status: ImportStatus.UNCHANGED, tender: newer.tender, notice };

  let tender = await findTarget(em, notice);
  if (!tender && notice.kind === "CHANGE") {
    throw new BadInputError(
      "xml",
      `this change notice changes notice ${notice.changedNoticeId ?? "(unknown)"}${notice.changedNoticeVersion ? `-${notice.changedNoticeVersion}` : ""}, which has not been imported: import it first`,
    );
  }
  const mapping = mapNotice(notice);
  const created = tender === null;
  const award = notice.rootElement === "ContractAwardNotice";
  const status = statusAfter(notice, tender?.status ?? null, now);
  const opens = status === TenderStatus.OPEN && tender?.status !== TenderStatus.OPEN;
  if (!tender) {
    tender = em.create(Tender, {
      kind: TenderKind.PUBLIC_TENDER,
      source: TenderSource.EFORMS,
      contractFolderId: notice.contractFolderId,
      ...mapping.tender,
      status,
    });
  } else if (award) {
    // An award notice adds the results; what it does not say keeps the contract notice's value.
    const m = mapping.tender;
    const t = tender;
    em.assign(tender, {
      ...m,
      description: m.description ?? t.description,
      estimatedValue: m.estimatedValue ?? t.estimatedValue,
      submissionDeadline: m.submissionDeadline ?? t.submissionDeadline,
      publishedAt: t.publishedAt ?? m.publishedAt,
      maxLotsPerTenderer: m.maxLotsPerTenderer ?? t.maxLotsPerTenderer,
      maxLotsAwardedPerTenderer: m.maxLotsAwardedPerTenderer ?? t.maxLotsAwardedPerTenderer,
      multipleOffersForbidden: m.multipleOffersForbidden ?? t.multipleOffersForbidden,
      groupLegalFormRequired: m.groupLegalFormRequired ?? t.groupLegalFormRequired,
      groupLegalForm: m.groupLegalForm ?? t.groupLegalForm,
      awardCriteria: mapping.tender.awardCriteria.length ? mapping.tender.awardCriteria : tender.awardCriteria,
      status,
    });
  } else {
    em.assign(tender, { ...mapping.tender, status });
  }
  if (notice.contractFolderId) tender.contractFolderId = notice.contractFolderId;
  tender.externalNoticeId = notice.noticeId;
  tender.noticeVersion = notice.version;
  if (award) {
    tender.noticeAwards = mapping.awards;
    tender.noticeAwardedValue =
      mapping.awardedValue ?? (mapping.awards.some((a) => a.amount !== null) ? mapping.awards.reduce((s, a) => s + (a.amount ?? 0), 0) : null);
  }
  await applyLots(em, tender, mapping.lots, !award);
  await em.flush();
  const lots = await em.find(Lot, { tender });
  Object.assign(
    tender,
    cpvSummary(
      lots.map((l) => l.cpvCodes),
      notice.cpvCodes,
    ),
  );
  em.create(TenderNotice, {
    tender,
    noticeId: notice.noticeId,
    version: notice.version,
    noticeKind: notice.kind,
    noticeType: notice.noticeTypeCode,
  });
  await em.flush();
  // The procurement documents' links (never downloaded); an award notice gives none and keeps them.
  if (!award) await syncNoticeLinks(em, tender, notice.documents, now);
  if (award) await recordNoticeAwards(em, tender, notice, options.commissionRate, now);
  // A tender that opens announces itself like one published by hand, delivered at commit.
  if (opens) {
    await notify(em, TENDER_PUBLISHED, { tenderId: tender.id } satisfies TenderPublished);
    await alertSavedSearches(em, tender.id, options.alerts ?? null);
  }
  return { status: created ? ImportStatus.CREATED : ImportStatus.UPDATED, tender, notice };
}

/**
 * Imports one eForms notice in one transaction: a contract or prior information notice creates
 * or updates its tender (by procedure id), a change notice updates the tender it changes, an
 * award notice records the results (one outcome per lot, bids settled: notice-awards.ts); a tender
 * that opens is announced on TENDER_PUBLISHED at commit, like one published by hand. Idempotent by (notice id, version). Invalid XML writes
 * nothing.
 */
export async function importNotice(em: EntityManager, xml: string, options: ImportOptions, now = new Date()): Promise<ImportOutcome> {
  const notice = parseOrReject(xml);
  try {
    return await em.fork().transactional((tx) => apply(tx, notice, now, options));
  } catch (error) {
    // Two imports of the same notice at once: the second finds the first's row.
    if (error instanceof UniqueConstraintViolationException) {
      const row = await em.fork().findOne(TenderNotice, { noticeId: notice.noticeId, version: notice.version }, { populate: ["tender"] });
      if (row) return { status: ImportStatus.UNCHANGED, tender: row.tender, notice };
    }
    throw error;
  }
}

/** The `importNotice` mutation: officers, admins and integrators with the IMPORT_NOTICES scope. */
export async function importNoticeAs(viewer: Viewer, em: EntityManager, xml: string, options: ImportOptions): Promise<ImportOutcome> {
  if (!canImportNotices(viewer)) throw new ForbiddenError("This API token lacks the IMPORT_NOTICES scope.");
  const outcome = await importNotice(em, xml, options);
  // Hand the tender to the caller's entity manager, for its field resolvers.
  const tender = await em.findOneOrFail(Tender, { id: outcome.tender.id }, { refresh: true });
  return { ...outcome, tender };
}
